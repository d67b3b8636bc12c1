//! ID token claims (OIDC Core §2) and the hash claims that bind other tokens to it.

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};

/// Claims of an ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The client id.
    pub aud: String,
    /// Expiry.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// When the user authenticated.
    pub auth_time: i64,
    /// How the user authenticated (RFC 8176).
    pub amr: Vec<&'static str>,
    /// The level that authentication reached.
    pub acr: &'static str,
    /// Echo of the request's nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Left half of the access token's hash (OIDC Core §3.1.3.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Authorized party: the client id.
    pub azp: String,
    /// Email, with the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email was verified, with the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Display name, with the `profile` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The browser session it was issued in (OIDC Back-Channel Logout §2.1), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// `at_hash` / `c_hash`: base64url of the left half of the hash of `token`, with the hash the
/// signing algorithm uses (SHA-256 for RS256/ES256, SHA-512 for Ed25519 per the OpenID
/// Foundation's EdDSA guidance).
pub fn half_hash(alg: crate::SigningAlgorithm, token: &str) -> String {
    let digest: Vec<u8> = match alg {
        crate::SigningAlgorithm::EdDsa => Sha512::digest(token.as_bytes()).to_vec(),
        _ => Sha256::digest(token.as_bytes()).to_vec(),
    };
    let (left_half, _) = digest.split_at(digest.len() / 2);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(left_half)
}

#[cfg(test)]
mod tests;
