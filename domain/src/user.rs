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
mod tests {
    use super::*;

    #[test]
    fn display_names() {
        assert!(is_valid_display_name("Zoë d'Arc"));
        assert!(is_valid_display_name(&"n".repeat(200)));
        for bad in ["", "   ", "a\nb", "\u{7}", &"n".repeat(201)] {
            assert!(!is_valid_display_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn random_ids_parse_back() {
        let id = UserId::from_random([0xab; 16]);
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(UserId::parse(id.as_str()).unwrap(), id);
        assert_eq!(&id.as_str()[14..15], "4");
    }

    proptest::proptest! {
        /// Any 16 bytes make a version-4, RFC 4122-variant UUID that parses back and carries
        /// the bytes themselves outside the version and variant bits.
        #[test]
        fn every_random_id_is_a_v4_uuid(bytes in proptest::prelude::any::<[u8; 16]>()) {
            let id = UserId::from_random(bytes);
            proptest::prop_assert_eq!(UserId::parse(id.as_str()), Ok(id.clone()));
            let hex: String = id.as_str().split('-').collect();
            let mut expected = bytes;
            expected[6] = (expected[6] & 0x0f) | 0x40;
            expected[8] = (expected[8] & 0x3f) | 0x80;
            let expected: String = expected.iter().map(|b| format!("{b:02x}")).collect();
            proptest::prop_assert_eq!(hex, expected);
            let groups: Vec<usize> = id.as_str().split('-').map(str::len).collect();
            proptest::prop_assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "0B5E1C2A-7D4F-4E8A-9C3B-2F1E0D9C8B7A",
            "0b5e1c2a7d4f4e8a9c3b2f1e0d9c8b7a",
            "0b5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7",
            "0b5e1c2a-7d4f-4e8a-9c3b_2f1e0d9c8b7a",
            "zb5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7a",
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
