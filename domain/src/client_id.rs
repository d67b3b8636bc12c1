//! Client identifiers (RFC 6749 §2.2), including the URLs of Client ID Metadata Documents
//! (draft-ietf-oauth-client-id-metadata-document §3).

use serde::{Serialize, Serializer};
use std::fmt;

/// The longest metadata-document URL accepted as a client id (the redirect URI bound).
pub const MAX_URL_CLIENT_ID_LEN: usize = 2000;

/// Why a string is not a client identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    /// Empty or longer than 128 characters.
    #[error("client_id must be 1 to 128 characters long")]
    Length,
    /// A character outside the RFC 3986 unreserved set.
    #[error("client_id may contain only letters, digits, '-', '.', '_' and '~'")]
    Charset,
    /// Shaped like a user id: a client whose id equals a user's `sub` could impersonate that
    /// user to resource servers that key on `sub` (RFC 9700 §4.15).
    #[error("client_id must not have the shape of a user identifier")]
    LooksLikeUserId,
    /// A URL client id that breaks the metadata-document rules (which one is said).
    #[error("client_id URL is not valid: {0}")]
    Url(&'static str),
}

/// A client identifier. Tessera generates them, but ids also arrive in requests, so parsing
/// is strict: unreserved URI characters only (they survive form- and Basic-encoding unchanged),
/// and never the shape of a user id, so `sub` values of users and clients cannot collide.
/// The one other shape is the URL of a Client ID Metadata Document: `https` (or `http` on a
/// loopback host, which only a development configuration will ever fetch), a host, a path,
/// no userinfo, query, fragment or dot segments, at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// Parses and validates a client identifier.
    pub fn parse(s: &str) -> Result<Self, ClientIdError> {
        if s.starts_with("https://") || s.starts_with("http://") {
            return parse_url(s).map(|()| Self(s.to_owned()));
        }
        if s.is_empty() || s.len() > 128 {
            return Err(ClientIdError::Length);
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(ClientIdError::Charset);
        }
        if crate::user::UserId::parse(s).is_ok() {
            return Err(ClientIdError::LooksLikeUserId);
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the URL of a Client ID Metadata Document: such a client is known by fetching
    /// that document, not by registration.
    pub fn is_metadata_document_url(&self) -> bool {
        self.0.starts_with("https://") || self.0.starts_with("http://")
    }

    /// The host (and port) of a URL client id, what a person should see on the consent page;
    /// `None` for an ordinary id.
    pub fn url_host(&self) -> Option<&str> {
        let rest = self
            .0
            .strip_prefix("https://")
            .or_else(|| self.0.strip_prefix("http://"))?;
        rest.split('/').next()
    }
}

/// The metadata-document rules (draft §3): https, a path other than `/`, no dot segments, no
/// fragment, no userinfo; Tessera also refuses a query (a SHOULD NOT there) so one document
/// has one id. `http` only for the loopback hosts of development set-ups.
fn parse_url(s: &str) -> Result<(), ClientIdError> {
    if s.len() > MAX_URL_CLIENT_ID_LEN {
        return Err(ClientIdError::Length);
    }
    if !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ClientIdError::Url("characters must be percent-encoded"));
    }
    let (https, rest) = match s.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix("http://").unwrap_or(s)),
    };
    if s.contains('#') {
        return Err(ClientIdError::Url("no fragment allowed"));
    }
    if s.contains('?') {
        return Err(ClientIdError::Url("no query allowed"));
    }
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = crate::redirect_uri::authority_host(authority)
        .map_err(|_| ClientIdError::Url("the host (and port) must be valid, without userinfo"))?;
    if !https && !matches!(host, "127.0.0.1" | "[::1]" | "localhost") {
        return Err(ClientIdError::Url("must be https"));
    }
    if path.len() < 2 {
        return Err(ClientIdError::Url("a path is required"));
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(ClientIdError::Url("no dot segments allowed"));
    }
    if !crate::redirect_uri::uri_chars_ok(path) || path.contains('*') {
        return Err(ClientIdError::Url("characters must be percent-encoded"));
    }
    Ok(())
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ClientId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
