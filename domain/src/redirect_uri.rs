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
                let (authority, path_and_query) = after.split_at(end);
                let host = authority_host(authority)?;
                if scheme_lc == "http" && (scheme != "http" || !LOOPBACK_HOSTS.contains(&host)) {
                    return Err(RedirectUriError::InsecureHttp);
                }
                path_and_query
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
            let (port, rest) = p.split_at(end);
            (!port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok()).then_some(rest)
        }
    }
}

/// The host of an authority (`host[:port]`), checked: no userinfo, a DNS hostname or an IP
/// literal, a port of 1 to 5 digits up to 65535 if a `:` is there.
pub(crate) fn authority_host(authority: &str) -> Result<&str, RedirectUriError> {
    if authority.contains('@') {
        return Err(RedirectUriError::Userinfo);
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(RedirectUriError::InvalidHost)?;
        let (host, tail) = authority.split_at(close + 1);
        let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        if literal.is_none_or(|ip| ip.parse::<Ipv6Addr>().is_err()) {
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
pub(crate) fn uri_chars_ok(s: &str) -> bool {
    let mut bytes = s.bytes();
    while let Some(c) = bytes.next() {
        if c == b'%' {
            let escape = (bytes.next(), bytes.next());
            if !matches!(escape, (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit())
            {
                return false;
            }
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
    }
    true
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
