//! Proof Key for Code Exchange (RFC 7636), S256 only.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a PKCE value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// Only `S256` is accepted; `plain` would expose the verifier (RFC 9700 §2.1.1).
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    /// Not a base64url SHA-256 digest (43 characters).
    #[error("code_challenge must be 43 base64url characters")]
    BadChallenge,
    /// RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
    #[error("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    BadVerifier,
}

/// The challenge method. There is one, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChallengeMethod {
    /// BASE64URL(SHA256(verifier)).
    S256,
}

impl CodeChallengeMethod {
    /// Parses a method; an absent one defaults to `plain` in RFC 7636, which is refused, so the
    /// caller must pass `"S256"` explicitly.
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        match s {
            "S256" => Ok(Self::S256),
            _ => Err(PkceError::UnsupportedMethod),
        }
    }
}

/// An S256 code challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Parses a challenge: exactly the 43-character unpadded base64url form of a SHA-256.
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        let ok = s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .is_ok();
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(PkceError::BadChallenge)
        }
    }

    /// The challenge as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `verifier` hashes to this challenge; compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        let digest = Sha256::digest(verifier.0.as_bytes());
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        computed.as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

/// A code verifier (RFC 7636 §4.1).
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Parses a verifier: 43–128 unreserved characters.
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        let ok = (43..=128).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(PkceError::BadVerifier)
        }
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(..)")
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
