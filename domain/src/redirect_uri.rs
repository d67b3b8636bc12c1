//! Redirect URIs: registered once, then compared as exact strings (RFC 9700 §4.1.3).

use std::fmt;

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
}

const FORBIDDEN_SCHEMES: [&str; 4] = ["javascript", "data", "vbscript", "file"];
const LOOPBACK_PREFIXES: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];

/// A registered redirect URI. Matching is exact string comparison, with the one exception
/// RFC 8252 §7.3 demands: for an `http` loopback IP literal, any port matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Parses a URI for registration: absolute, no fragment, no script schemes, http only for
    /// loopback. Private-use schemes (`com.example.app:/cb`, RFC 8252 §7.1) are allowed.
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
        match scheme_lc.as_str() {
            "http" => {
                let loopback = LOOPBACK_PREFIXES.iter().any(|p| {
                    s.strip_prefix(p)
                        .is_some_and(|tail| tail.is_empty() || tail.starts_with([':', '/', '?']))
                });
                if !loopback || scheme != "http" {
                    return Err(RedirectUriError::InsecureHttp);
                }
            }
            "https" => {
                let authority = rest
                    .strip_prefix("//")
                    .ok_or(RedirectUriError::NoHost)?
                    .split(['/', '?'])
                    .next()
                    .unwrap_or("");
                let host = authority.rsplit('@').next().unwrap_or("");
                if host.is_empty() || host.starts_with(':') {
                    return Err(RedirectUriError::NoHost);
                }
            }
            _ => {}
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
}
