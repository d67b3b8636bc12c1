//! Redirect URIs: registered once, then compared as exact strings (RFC 9700 §4.1.3).
//!
//! Registration parses each one strictly as a URL (RFC 3986, restricted): a scheme; where
//! there is an authority, a host that is a DNS hostname or an IP literal and an optional
//! port, never userinfo; path and query of URI characters only; no fragment and no `*`
//! anywhere, so nothing looks like a wildcard (none is honoured: matching is exact).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    /// Not an absolute URI with a scheme.
    #[error("redirect URI must be an absolute URI")]
    NotAbsolute,
    /// Fragments are forbidden (RFC 6749 §3.1.2).
    #[error("redirect URI must not contain a fragment")]
    Fragment,
    /// Script-bearing schemes are never a place to send a code.
    #[error("redirect URI scheme {0:?} is not allowed")]
    ForbiddenScheme(String),
    /// Plain http is allowed only for loopback IP literals (RFC 9700 §2.6, RFC 8252 §7.3).
    #[error("http redirect URIs are allowed only for 127.0.0.1 and [::1]")]
    InsecureHttp,
    /// White space, control characters or non-ASCII: a URI must be sent percent-encoded.
    #[error("redirect URI contains characters that must be percent-encoded")]
    Characters,
    /// Longer than 2000 characters.
    #[error("redirect URI is too long")]
    TooLong,
    /// An https URI without a host.
    #[error("redirect URI must name a host")]
    NoHost,
    /// `*` anywhere: wildcards are not supported, and a literal one only misleads.
    #[error("redirect URI must not contain a wildcard (*): register every URI in full")]
    Wildcard,
    /// `user@host`: userinfo hides the real host from a reader (`http://127.0.0.1:1@evil/`).
    #[error("redirect URI must not contain userinfo (user@)")]
    Userinfo,
    /// The host is neither a DNS hostname nor an IPv4 or bracketed IPv6 literal.
    #[error("redirect URI host is not a valid hostname or IP address")]
    InvalidHost,
    /// The port is empty, not a number or above 65535.
    #[error("redirect URI port is not valid")]
    InvalidPort,
}

const FORBIDDEN_SCHEMES: [&str; 4] = ["javascript", "data", "vbscript", "file"];
const LOOPBACK_PREFIXES: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];
/// The only hosts plain `http` may name: the loopback IP literals, written exactly so.
const LOOPBACK_HOSTS: [&str; 2] = ["127.0.0.1", "[::1]"];

/// A registered redirect URI. Matching is exact string comparison, with the one exception
/// RFC 8252 §7.3 demands: for an `http` loopback IP literal, any port matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Parses a URI for registration (see the module doc): absolute, no fragment, no `*`, no
    /// userinfo, no script schemes, a valid host where there is an authority, http only for
    /// `127.0.0.1` and `[::1]`. Private-use schemes (`com.example.app:/cb`, RFC 8252 §7.1) are
    /// allowed. The string is kept exactly as given: parsing only checks.
    pub fn parse(s: &str) -> Result<Self, RedirectUriError> {
        if s.len() > 2000 {
            return Err(RedirectUriError::TooLong);
        }
        if !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(RedirectUriError::Characters);
        }
        let (scheme, rest) = s.split_once(':').ok_or(RedirectUriError::NotAbsolute)?;
        let scheme_ok = scheme
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok || rest.is_empty() {
            return Err(RedirectUriError::NotAbsolute);
        }
        let scheme_lc = scheme.to_ascii_lowercase();
        if FORBIDDEN_SCHEMES.contains(&scheme_lc.as_str()) {
            return Err(RedirectUriError::ForbiddenScheme(scheme_lc));
        }
        if s.contains('#') {
            return Err(RedirectUriError::Fragment);
        }
        if s.contains('*') {
            return Err(RedirectUriError::Wildcard);
        }
        let web = matches!(scheme_lc.as_str(), "http" | "https");
        let path_and_query = match rest.strip_prefix("//") {
            Some(after) => {
                let end = after.find(['/', '?']).unwrap_or(after.len());
                let host = authority_host(&after[..end])?;
                if scheme_lc == "http" && (scheme != "http" || !LOOPBACK_HOSTS.contains(&host)) {
                    return Err(RedirectUriError::InsecureHttp);
                }
                &after[end..]
            }
            None if scheme_lc == "http" => return Err(RedirectUriError::InsecureHttp),
            None if web => return Err(RedirectUriError::NoHost),
            None => rest,
        };
        if !uri_chars_ok(path_and_query) {
            return Err(RedirectUriError::Characters);
        }
        Ok(Self(s.to_owned()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `requested` is this URI: byte-for-byte, except that a loopback `http` URI
    /// matches on any port (RFC 8252 §7.3). No normalisation of any kind is applied.
    pub fn matches(&self, requested: &str) -> bool {
        if self.0 == requested {
            return true;
        }
        for prefix in LOOPBACK_PREFIXES {
            if let (Some(reg), Some(req)) =
                (self.0.strip_prefix(prefix), requested.strip_prefix(prefix))
            {
                return match (strip_port(reg), strip_port(req)) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                };
            }
        }
        false
    }
}

/// Drops a leading `:digits` port, if any; `None` when a `:` is followed by no valid port.
fn strip_port(tail: &str) -> Option<&str> {
    match tail.strip_prefix(':') {
        None => Some(tail),
        Some(p) => {
            let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
            let port = &p[..end];
            (!port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok())
                .then_some(&p[end..])
        }
    }
}

/// The host of an authority (`host[:port]`), checked: no userinfo, a DNS hostname or an IP
/// literal, a port of 1 to 5 digits up to 65535 if a `:` is there.
fn authority_host(authority: &str) -> Result<&str, RedirectUriError> {
    if authority.contains('@') {
        return Err(RedirectUriError::Userinfo);
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(RedirectUriError::InvalidHost)?;
        let (host, tail) = authority.split_at(close + 1);
        if host[1..host.len() - 1].parse::<Ipv6Addr>().is_err() {
            return Err(RedirectUriError::InvalidHost);
        }
        match tail {
            "" => (host, None),
            t => (
                host,
                Some(t.strip_prefix(':').ok_or(RedirectUriError::InvalidHost)?),
            ),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(RedirectUriError::NoHost);
    }
    if !host.starts_with('[') && !is_hostname_or_ipv4(host) {
        return Err(RedirectUriError::InvalidHost);
    }
    if let Some(p) = port {
        let digits = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits || p.parse::<u16>().is_err() {
            return Err(RedirectUriError::InvalidPort);
        }
    }
    Ok(host)
}

/// A DNS hostname (RFC 1123 labels of letters, digits and inner hyphens, 1 to 63 long, at most
/// 253 in all, no empty label), or a dotted-quad IPv4 address when it looks numeric.
fn is_hostname_or_ipv4(host: &str) -> bool {
    if host.len() > 253 {
        return false;
    }
    let last = host.rsplit('.').next().unwrap_or("");
    if last.bytes().all(|b| b.is_ascii_digit()) {
        // All-numeric top label: only a real IPv4 literal (no `1.2.3`, no `0x7f.1`).
        return host.parse::<Ipv4Addr>().is_ok();
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Path and query of RFC 3986 characters: unreserved, sub-delimiters but `*`, `:`, `@`, `/`,
/// `?`, and `%` only as the start of a `%XX` escape.
fn uri_chars_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
            );
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> RedirectUri {
        RedirectUri::parse(s).unwrap()
    }

    #[test]
    fn accepts_https_loopback_and_private_use() {
        for ok in [
            "https://app.example.com/cb",
            "https://app.example.com:8443/cb?x=1",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:5000/cb",
            "http://[::1]:5000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn as_04_rejects_fragments_script_schemes_and_plain_http() {
        assert_eq!(
            RedirectUri::parse("https://a.example/cb#x"),
            Err(RedirectUriError::Fragment)
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "VBSCRIPT:x",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(
                    RedirectUri::parse(bad),
                    Err(RedirectUriError::ForbiddenScheme(_))
                ),
                "{bad}"
            );
        }
        for bad in [
            "http://example.com/cb",
            "http://localhost/cb",
            "http://127.0.0.1.evil.com/cb",
            "HTTP://127.0.0.1/cb",
            "http://127.0.0.10/cb",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::InsecureHttp),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_relative_spaces_and_hostless() {
        assert_eq!(
            RedirectUri::parse("/cb"),
            Err(RedirectUriError::NotAbsolute)
        );
        assert_eq!(RedirectUri::parse("cb"), Err(RedirectUriError::NotAbsolute));
        assert_eq!(
            RedirectUri::parse("1http://x"),
            Err(RedirectUriError::NotAbsolute)
        );
        assert_eq!(
            RedirectUri::parse("https://a.example/c b"),
            Err(RedirectUriError::Characters)
        );
        assert_eq!(
            RedirectUri::parse("https:///cb"),
            Err(RedirectUriError::NoHost)
        );
        assert_eq!(
            RedirectUri::parse("https:cb"),
            Err(RedirectUriError::NoHost)
        );
        assert_eq!(
            RedirectUri::parse(&format!("https://a.example/{}", "a".repeat(2000))),
            Err(RedirectUriError::TooLong)
        );
    }

    #[test]
    fn as_01_matching_is_exact() {
        let r = uri("https://app.example.com/cb");
        assert!(r.matches("https://app.example.com/cb"));
        for bad in [
            "https://app.example.com/cb/",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb/../cb",
            "https://app.example.com%2fcb",
            "https://app.example.com@evil.com/cb",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb#",
            "http://app.example.com/cb",
        ] {
            assert!(!r.matches(bad), "{bad}");
        }
    }

    #[test]
    fn as_02_loopback_matches_any_port_but_nothing_else() {
        let r = uri("http://127.0.0.1/cb");
        assert!(r.matches("http://127.0.0.1:51234/cb"));
        assert!(r.matches("http://127.0.0.1/cb"));
        assert!(!r.matches("http://127.0.0.1:51234/cb2"));
        assert!(!r.matches("http://127.0.0.1:/cb"));
        assert!(!r.matches("http://127.0.0.1:99999/cb"));
        assert!(!r.matches("http://127.0.0.1.evil.com/cb"));
        assert!(!r.matches("http://[::1]:5000/cb"));
        let v6 = uri("http://[::1]:8080/cb");
        assert!(v6.matches("http://[::1]:9/cb"));
        assert!(!v6.matches("http://127.0.0.1:9/cb"));
    }

    #[test]
    fn issue_11_rejects_wildcards_anywhere() {
        for bad in [
            "https://*.rp.test/cb",
            "https://rp.test/cb*",
            "https://rp.test/*/cb",
            "https://rp.test/cb?x=*",
            "http://127.0.0.1/*",
            "com.example.app:/cb*",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::Wildcard),
                "{bad}"
            );
        }
    }

    #[test]
    fn issue_11_rejects_userinfo_even_on_loopback() {
        for bad in [
            "http://127.0.0.1:1@evil.example/cb",
            "http://127.0.0.1@evil.example/cb",
            "https://user@rp.test/cb",
            "https://user:pw@rp.test/cb",
            "http://[::1]:1@evil.example/cb",
            "https://rp.test@evil.example/cb",
            "myapp://me@host/cb",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::Userinfo),
                "{bad}"
            );
        }
    }

    #[test]
    fn issue_11_rejects_hosts_that_are_not_hostnames_or_ips() {
        for bad in [
            "https://rp..test/cb",
            "https://.rp.test/cb",
            "https://rp.test./cb",
            "https://-rp.test/cb",
            "https://rp-.test/cb",
            "https://rp_test.example/cb",
            "https://rp%2etest/cb",
            "https://1.2.3/cb",
            "https://256.1.1.1/cb",
            "https://0x7f.0.0.1/cb",
            "https://[::1/cb",
            "https://[not-ip]/cb",
            "https://[::1]x/cb",
            "https://rp.test!/cb",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::InvalidHost),
                "{bad}"
            );
        }
        for bad in [
            "https://rp.test:/cb",
            "https://rp.test:99999/cb",
            "https://rp.test:8a/cb",
            "http://127.0.0.1:/cb",
            "https://[::1]:/cb",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::InvalidPort),
                "{bad}"
            );
        }
        for bad in [
            "https://rp.test/c{b}",
            "https://rp.test/%zz",
            "https://rp.test/%4",
        ] {
            assert_eq!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::Characters),
                "{bad}"
            );
        }
    }

    #[test]
    fn issue_11_loopback_is_exactly_the_two_ip_literals() {
        for ok in [
            "http://127.0.0.1:8080/cb?x=1",
            "http://[::1]/cb",
            "http://127.0.0.1",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://[0:0:0:0:0:0:0:1]/cb",
            "http://127.1/cb",
            "http://127.0.0.2/cb",
            "http:/127.0.0.1/cb",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
        // Still fine over https, or as an IP literal of another host.
        assert!(RedirectUri::parse("https://[2001:db8::1]:8443/cb").is_ok());
        assert!(RedirectUri::parse("https://192.0.2.1/cb").is_ok());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever is accepted is kept byte for byte and matches itself (AS-01).
            #[test]
            fn accepted_uris_are_kept_verbatim(s in "[a-z]{1,8}://[a-zA-Z0-9.:@*\\[\\]-]{0,30}[/?a-zA-Z0-9*%._~=&-]{0,30}") {
                if let Ok(u) = RedirectUri::parse(&s) {
                    prop_assert_eq!(u.as_str(), s.as_str());
                    prop_assert!(u.matches(&s));
                }
            }

            /// No accepted URI holds a `*`, a fragment, or userinfo in its authority.
            #[test]
            fn accepted_uris_have_no_wildcard_or_userinfo(s in "\\PC{0,60}") {
                if let Ok(u) = RedirectUri::parse(&s) {
                    let t = u.as_str();
                    prop_assert!(!t.contains('*') && !t.contains('#'));
                    if let Some((_, rest)) = t.split_once("://") {
                        let authority = rest.split(['/', '?']).next().unwrap_or("");
                        prop_assert!(!authority.contains('@'));
                        prop_assert!(!authority.is_empty());
                    }
                }
            }

            /// Any host with a `*` label is refused, whatever surrounds it.
            #[test]
            fn wildcard_hosts_are_refused(pre in "[a-z0-9]{0,5}", post in "[a-z0-9.]{0,10}", path in "[a-z/]{0,10}") {
                let s = format!("https://{pre}*{post}/{path}");
                prop_assert_eq!(RedirectUri::parse(&s), Err(RedirectUriError::Wildcard));
            }

            /// A loopback URI with any userinfo is refused: it would name another host.
            #[test]
            fn loopback_userinfo_is_refused(port in 0u32..70000, host in "[a-z]{1,10}\\.[a-z]{2,4}") {
                for lo in ["127.0.0.1", "[::1]"] {
                    let s = format!("http://{lo}:{port}@{host}/cb");
                    prop_assert_eq!(RedirectUri::parse(&s), Err(RedirectUriError::Userinfo));
                }
            }

            /// AS-02 holds for every valid port and nothing else on loopback.
            #[test]
            fn loopback_matches_any_port(port in 1u16..) {
                let r = RedirectUri::parse("http://127.0.0.1/cb").unwrap();
                let with_port = format!("http://127.0.0.1:{port}/cb");
                prop_assert!(r.matches(&with_port));
                let userinfo = format!("http://127.0.0.1:{port}@evil.example/cb");
                prop_assert!(!r.matches(&userinfo));
            }
        }
    }
}
