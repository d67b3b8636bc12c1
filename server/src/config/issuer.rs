//! The issuer identifier: an absolute http(s) URL, kept exactly as configured because it is
//! compared character for character (`iss`, RFC 8414 §3.3).

use std::fmt;
use url::{Host, Url};

/// The configured issuer, checked once: http(s), a host, no query, fragment, white space or
/// trailing slash (RFC 8414 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// As configured: `Url` would add a trailing slash and drop a default port.
    text: String,
    url: Url,
}

impl Issuer {
    /// Checks `text`; the error says what is wrong (the caller names the key).
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or("must be an http(s) URL")?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err("must name a host");
        }
        if text.contains(['?', '#']) || text.ends_with('/') || text.contains(char::is_whitespace) {
            return Err(
                "must have no query, fragment, white space or trailing slash (RFC 8414 §2)",
            );
        }
        let url = Url::parse(text).map_err(|_| "must be an absolute http(s) URL")?;
        if url.host().is_none() {
            return Err("must name a host");
        }
        Ok(Self {
            text: text.to_owned(),
            url,
        })
    }

    /// The issuer as configured (the `iss` value and the base of every endpoint URL).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `https`, where production wants it.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// `http` on `localhost` or a loopback address: acceptable in production because the
    /// traffic never leaves the machine.
    pub fn is_loopback_http(&self) -> bool {
        self.url.scheme() == "http"
            && match self.url.host() {
                Some(Host::Domain(d)) => d == "localhost",
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
