//! Client identifiers (RFC 6749 §2.2).

use serde::{Serialize, Serializer};
use std::fmt;

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
}

/// A client identifier. Tessera generates them, but ids also arrive in requests, so parsing
/// is strict: unreserved URI characters only (they survive form- and Basic-encoding unchanged),
/// and never the shape of a user id, so `sub` values of users and clients cannot collide.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// Parses and validates a client identifier.
    pub fn parse(s: &str) -> Result<Self, ClientIdError> {
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
