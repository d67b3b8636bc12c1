//! Signing keys and their life cycle: next → active → retiring → retired.

use crate::UnixTime;
use std::fmt;

/// Why an algorithm name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported signing algorithm {0:?}; use RS256, ES256 or EdDSA")]
pub struct SigningAlgorithmError(pub String);

/// JWS algorithms Tessera signs with. This is also the verification allow-list: a token whose
/// header names anything else (`none`, `HS256`, …) is refused before any key is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA 2048.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl SigningAlgorithm {
    /// Parses a JWS `alg` name.
    pub fn parse(s: &str) -> Result<Self, SigningAlgorithmError> {
        match s {
            "RS256" => Ok(Self::Rs256),
            "ES256" => Ok(Self::Es256),
            "EdDSA" => Ok(Self::EdDsa),
            other => Err(SigningAlgorithmError(other.to_owned())),
        }
    }

    /// The JWS `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// Published in the JWKS ahead of use, so caches know it before the first token.
    Next,
    /// Signs new tokens. Exactly one key is active.
    Active,
    /// No longer signs; stays published until every token it signed has expired.
    Retiring,
    /// Unpublished; tokens it signed are no longer accepted.
    Retired,
}

impl KeyState {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "next" => Some(Self::Next),
            "active" => Some(Self::Active),
            "retiring" => Some(Self::Retiring),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retiring => "retiring",
            Self::Retired => "retired",
        }
    }
}

/// A signing key's public half and life cycle. The private half is stored encrypted and is
/// handled by the application's key ports, never by the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Key id, the JWS `kid`.
    pub kid: String,
    /// Algorithm.
    pub alg: SigningAlgorithm,
    /// Stored state; see [`SigningKey::state_at`] for the effective one.
    pub state: KeyState,
    /// When the key was made.
    pub created_at: UnixTime,
    /// For a retiring key: when the last token it signed has expired.
    pub retire_after: Option<UnixTime>,
    /// The public JWK as JSON.
    pub public_jwk: String,
}

impl SigningKey {
    /// The state at `now`: a retiring key whose tokens have all expired counts as retired,
    /// without anyone having to run a job to flip it.
    pub fn state_at(&self, now: UnixTime) -> KeyState {
        match (self.state, self.retire_after) {
            (KeyState::Retiring, Some(t)) if !now.is_before(t) => KeyState::Retired,
            (s, _) => s,
        }
    }

    /// True when the key belongs in the JWKS, and tokens it signed are accepted.
    pub fn is_published(&self, now: UnixTime) -> bool {
        self.state_at(now) != KeyState::Retired
    }

    /// Stops signing with this key; it stays published for `max_token_lifetime` seconds.
    pub fn begin_retiring(&mut self, now: UnixTime, max_token_lifetime: i64) {
        self.state = KeyState::Retiring;
        self.retire_after = Some(now.plus(max_token_lifetime));
    }
}

#[cfg(test)]
mod tests;
