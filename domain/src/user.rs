//! People who sign in.

use crate::{Email, LoginAttempts, UnixTime};
use std::fmt;

/// Why a string is not a user id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a user id is a lowercase UUID (8-4-4-4-12 hex digits)")]
pub struct UserIdError;

/// A user's stable identifier, the `sub` of their tokens: a lowercase hyphenated UUID.
/// Its shape is disjoint from every [`crate::ClientId`], so a client can never pose as a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    /// Parses a lowercase hyphenated UUID.
    pub fn parse(s: &str) -> Result<Self, UserIdError> {
        let b = s.as_bytes();
        let ok = b.len() == 36
            && b.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
            });
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(UserIdError)
        }
    }

    /// Builds an id from 16 random bytes (a version-4 UUID).
    pub fn from_random(bytes: [u8; 16]) -> Self {
        let mut id = String::with_capacity(36);
        for (i, byte) in bytes.into_iter().enumerate() {
            let byte = match i {
                6 => (byte & 0x0f) | 0x40, // version 4
                8 => (byte & 0x3f) | 0x80, // RFC 4122 variant
                _ => byte,
            };
            if matches!(i, 4 | 6 | 8 | 10) {
                id.push('-');
            }
            id.push_str(&format!("{byte:02x}"));
        }
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person with an account. The password hash is a PHC string; it is not a secret in the
/// `secrecy` sense (it is stored), but it never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable identifier, the `sub` claim.
    pub id: UserId,
    /// Login name and contact address.
    pub email: Email,
    /// Whether the address was proven to belong to the user.
    pub email_verified: bool,
    /// Display name, if given.
    pub name: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the account was made.
    pub created_at: UnixTime,
    /// A disabled user cannot sign in and their tokens stop working.
    pub disabled: bool,
    /// Failed sign-ins since the last successful one, and any lock they caused.
    pub login_attempts: LoginAttempts,
}

/// Longest display name, in code points.
pub const MAX_NAME_CHARS: usize = 200;

/// A display name is 1 to [`MAX_NAME_CHARS`] code points, not only spaces, with no control
/// characters (they would break logs, mail headers and pages).
pub fn is_valid_display_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests;
