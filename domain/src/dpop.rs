//! DPoP (RFC 9449) rules that need no cryptography: the proof's claims against the request,
//! the `ath` hash, the RFC 7638 key thumbprint, the algorithm allow-list and when a proof is
//! required. The signature itself is checked by an adapter.

use crate::{Client, SecurityProfile, UnixTime};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The JWS `typ` of a DPoP proof (RFC 9449 §4.2).
pub const DPOP_PROOF_TYP: &str = "dpop+jwt";

/// The `token_type` of a DPoP-bound access token (RFC 9449 §5) and its `Authorization` scheme.
pub const DPOP_TOKEN_TYPE: &str = "DPoP";

/// Proof algorithms accepted by default: asymmetric only (RFC 9449 §4.2 forbids `none` and MACs).
pub const DPOP_ALGORITHMS: [&str; 4] = ["ES256", "PS256", "RS256", "EdDSA"];

/// Proof algorithms accepted under FAPI 2.0 (§5.4.1: PS256, ES256, EdDSA only).
pub const FAPI2_DPOP_ALGORITHMS: [&str; 3] = ["PS256", "ES256", "EdDSA"];

/// JWK members that only private or symmetric keys have; a proof's `jwk` must carry none.
pub const PRIVATE_JWK_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The algorithms a proof may use for a client held to `profile`.
pub fn dpop_algorithms(profile: SecurityProfile) -> &'static [&'static str] {
    match profile {
        SecurityProfile::Fapi2 => &FAPI2_DPOP_ALGORITHMS,
        SecurityProfile::Standard => &DPOP_ALGORITHMS,
    }
}

/// Whether `client` must present a proof at `/token`: it registered `require_dpop`, or it or
/// the server is held to FAPI 2.0, which binds every token (FAPI 2.0 §5.3.1.2).
pub fn dpop_required(client: &Client, server_profile: SecurityProfile) -> bool {
    client.security.require_dpop || client.security.profile.max(server_profile).requires_dpop()
}

/// The `cnf` claim of a bound token (RFC 7800, RFC 9449 §6.1): the proof key's thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The RFC 7638 SHA-256 thumbprint of the key, base64url.
    pub jkt: String,
}

impl Confirmation {
    /// True when `jkt` is this confirmation's thumbprint (constant-time).
    pub fn matches(&self, jkt: &str) -> bool {
        self.jkt.as_bytes().ct_eq(jkt.as_bytes()).into()
    }
}

/// The claims of a DPoP proof (RFC 9449 §4.2) after its signature was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DpopProofClaims {
    /// Unique id, single use.
    pub jti: String,
    /// The HTTP method of the request.
    pub htm: String,
    /// The HTTP URI of the request, without query and fragment.
    pub htu: String,
    /// When the proof was made.
    pub iat: i64,
    /// The hash of the access token, at resource servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ath: Option<String>,
    /// The server-provided nonce, when one is demanded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// What the request a proof accompanies looks like, to compare the proof with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofTarget<'a> {
    /// The request's method (`POST`, `GET`).
    pub method: &'a str,
    /// The request's URI as the server publishes it.
    pub uri: &'a str,
    /// The access token presented with the proof (resource requests), whose hash `ath` must be.
    pub access_token: Option<&'a str>,
}

/// Why a proof's claims do not fit the request (each an `invalid_dpop_proof`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopRuleError {
    /// `jti` is empty or over-long.
    #[error("the DPoP proof needs a jti")]
    Jti,
    /// `htm` is not the request's method.
    #[error("the DPoP proof's htm does not match the request method")]
    Method,
    /// `htu` is not the request's URI.
    #[error("the DPoP proof's htu does not match the request URI")]
    Uri,
    /// `iat` lies outside the accepted window around now.
    #[error("the DPoP proof's iat is outside the accepted window")]
    Iat,
    /// `ath` is missing though a token is presented, or is not that token's hash.
    #[error("the DPoP proof's ath does not match the access token")]
    Ath,
}

/// Most characters a `jti` may have: it is stored (hashed) until it expires.
pub const MAX_JTI_CHARS: usize = 256;

impl DpopProofClaims {
    /// Checks the claims against `target` at `now`, with `iat` accepted `window` seconds either
    /// side (RFC 9449 §4.3 items 9–12, and §11.1: the window bounds how long a jti is kept).
    pub fn check(
        &self,
        target: &ProofTarget<'_>,
        now: UnixTime,
        window: i64,
    ) -> Result<(), DpopRuleError> {
        if self.jti.is_empty() || self.jti.chars().count() > MAX_JTI_CHARS {
            return Err(DpopRuleError::Jti);
        }
        if self.htm != target.method {
            return Err(DpopRuleError::Method);
        }
        if !htu_matches(&self.htu, target.uri) {
            return Err(DpopRuleError::Uri);
        }
        if self.iat < now.as_secs().saturating_sub(window)
            || self.iat > now.as_secs().saturating_add(window)
        {
            return Err(DpopRuleError::Iat);
        }
        match (target.access_token, &self.ath) {
            (None, _) => Ok(()),
            (Some(token), Some(ath))
                if bool::from(access_token_hash(token).as_bytes().ct_eq(ath.as_bytes())) =>
            {
                Ok(())
            }
            (Some(_), _) => Err(DpopRuleError::Ath),
        }
    }

    /// Until when the proof's `jti` must be remembered: the end of its acceptance window.
    pub fn remember_until(&self, window: i64) -> UnixTime {
        UnixTime::from_secs(self.iat).plus(window)
    }
}

/// RFC 9449 §4.3 item 9: `htu` equals the request URI, ignoring query and fragment of both;
/// scheme and host compare case-insensitively (RFC 3986 §6.2.2.1).
pub fn htu_matches(presented: &str, expected: &str) -> bool {
    fn normalise(u: &str) -> Option<String> {
        let base = u.split(['?', '#']).next()?;
        let (scheme, rest) = base.split_once("://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        Some(format!(
            "{}://{}{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase(),
            path
        ))
    }
    match (normalise(presented), normalise(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII.
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Why a JWK has no thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThumbprintError {
    /// Not an EC, RSA or OKP key, or a required member is missing or not a string.
    #[error("the jwk is not a supported public key")]
    Unsupported,
    /// The key carries private or symmetric members.
    #[error("the jwk must be a public key")]
    Private,
}

/// The RFC 7638 thumbprint of a public JWK: SHA-256 over the JSON object of its required
/// members only, in lexicographic order, without whitespace; base64url without padding.
pub fn jwk_thumbprint(
    jwk: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, ThumbprintError> {
    if PRIVATE_JWK_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
        return Err(ThumbprintError::Private);
    }
    let kty = jwk
        .get("kty")
        .and_then(|v| v.as_str())
        .ok_or(ThumbprintError::Unsupported)?;
    // Required members per RFC 7638 §3.2 and RFC 8037 §2, already in lexicographic order.
    let members: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return Err(ThumbprintError::Unsupported),
    };
    let mut canonical = String::from("{");
    for (i, name) in members.iter().enumerate() {
        let value = jwk
            .get(*name)
            .and_then(|v| v.as_str())
            .ok_or(ThumbprintError::Unsupported)?;
        if i > 0 {
            canonical.push(',');
        }
        // serde_json writes a string as a JSON string with the minimal escaping RFC 7638 asks.
        let quoted = serde_json::Value::String(value.to_owned()).to_string();
        canonical.push_str(&format!("\"{name}\":{quoted}"));
    }
    canonical.push('}');
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
