//! API keys: long-lived bearer credentials for scripts and services.
//!
//! A key reads `tsk_` + an 8-character public prefix + a 256-bit secret. The prefix is the
//! key's id: it is stored in clear so a presented key is found with one indexed lookup, while
//! only the SHA-256 digest of the whole key is kept, so a database leak yields nothing usable.

use crate::{ScopeSet, TokenDigest, UnixTime};
use base64::Engine;
use std::fmt;

/// What every key starts with, so secret scanners and people can tell a Tessera key apart.
pub const API_KEY_TAG: &str = "tsk_";
/// Length of the public prefix.
pub const API_KEY_PREFIX_LEN: usize = 8;
/// Length of the secret part: 32 random bytes in unpadded base64url.
pub const API_KEY_SECRET_LEN: usize = 43;
/// Longest name a key may carry, in characters.
pub const MAX_API_KEY_NAME_CHARS: usize = 100;

/// Why a string is not an API key prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an API key id is 8 characters from a-z and 0-9")]
pub struct ApiKeyPrefixError;

/// The public part of a key and its id: 8 characters of `[a-z0-9]`. Not a secret; it is
/// shown in listings and used to revoke a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyPrefix(String);

impl ApiKeyPrefix {
    /// Parses a prefix as presented or stored.
    pub fn parse(s: &str) -> Result<Self, ApiKeyPrefixError> {
        let ok = s.len() == API_KEY_PREFIX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ApiKeyPrefixError)
        }
    }

    /// A prefix made from random bytes. The mapping is slightly biased, which is harmless:
    /// the prefix only has to be unlikely to clash, never hard to guess.
    pub fn from_random(bytes: [u8; API_KEY_PREFIX_LEN]) -> Self {
        // Each byte picks one of the 36 characters a-z, 0-9.
        Self(
            bytes
                .iter()
                .map(|b| match b % 36 {
                    n @ 0..26 => char::from(b'a' + n),
                    n => char::from(b'0' + (n - 26)),
                })
                .collect(),
        )
    }

    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits a presented key into its prefix and secret; `None` unless it is exactly `tsk_`, 8
/// prefix characters and a 43-character canonical base64url secret (256 bits). Checking the
/// shape first means junk never reaches the database.
pub fn split_api_key(presented: &str) -> Option<(ApiKeyPrefix, &str)> {
    let rest = presented.strip_prefix(API_KEY_TAG)?;
    if rest.len() != API_KEY_PREFIX_LEN + API_KEY_SECRET_LEN || !rest.is_ascii() {
        return None;
    }
    let (prefix, secret) = rest.split_at(API_KEY_PREFIX_LEN);
    let prefix = ApiKeyPrefix::parse(prefix).ok()?;
    if !secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    // Decoding also refuses a non-zero tail in the last character, so each 256-bit secret has
    // exactly one spelling.
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(secret)
        .ok()?;
    (decoded.len() == 32).then_some((prefix, secret))
}

/// The full key handed out once: `tsk_` + prefix + secret.
pub fn compose_api_key(prefix: &ApiKeyPrefix, secret: &str) -> String {
    format!("{API_KEY_TAG}{prefix}{secret}")
}

/// True for a usable key name: 1 to 100 characters, not blank, no control characters (names
/// are shown in listings and terminals).
pub fn is_valid_api_key_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= MAX_API_KEY_NAME_CHARS
        && !name.chars().any(char::is_control)
}

/// A stored API key. Only the digest of the key is kept; the key itself is shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Public id, also the start of the key.
    pub prefix: ApiKeyPrefix,
    /// What the key is for, chosen by the operator.
    pub name: String,
    /// SHA-256 of the full key string.
    pub digest: TokenDigest,
    /// What the key may do.
    pub scopes: ScopeSet,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it stops working, if ever.
    pub expires_at: Option<UnixTime>,
    /// Last successful use, coarse (updated at most once a minute).
    pub last_used_at: Option<UnixTime>,
    /// When it was revoked; a revoked key never works again.
    pub revoked_at: Option<UnixTime>,
}

impl ApiKey {
    /// True when the key is neither revoked nor expired at `now` (expiry is exclusive).
    pub fn is_usable(&self, now: UnixTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now.is_before(e))
    }

    /// True when the key carries `scope`.
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }
}

#[cfg(test)]
mod tests;
