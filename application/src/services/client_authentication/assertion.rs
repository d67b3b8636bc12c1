//! JWT client assertions (RFC 7523 §3, OIDC Core §9): which algorithms a client may sign with,
//! and the claim checks once the signature holds.

use crate::ports::{ClientJwtVerifier, Clock, ReplayCache, VerifiedClientJwt};
use serde_json::{Map, Value};
use std::sync::Arc;
use tessera_domain::{SecurityProfile, TokenEndpointAuthMethod, UnixTime};

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// An assertion may be valid for at most this long from now (the 5 minutes).
pub const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;
/// Clock skew allowed on `exp`, `iat` and `nbf`.
pub const ASSERTION_LEEWAY_SECS: i64 = 30;
/// The longest `jti` accepted.
const MAX_JTI_LEN: usize = 256;

/// The asymmetric algorithms of the standard profile.
const STANDARD_KEY_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA"];
/// FAPI 2.0 Security Profile §5.4.1: PS256, ES256, EdDSA only.
const FAPI2_KEY_ALGS: &[&str] = &["PS256", "ES256", "EdDSA"];
/// The HMAC algorithms of `client_secret_jwt` (HS256: the 256-bit secret fits it exactly).
const SECRET_ALGS: &[&str] = &["HS256"];

/// The algorithms a client authenticating with `method` may sign its assertions with under
/// `profile` (the stricter of the server's and the client's). `client_secret_jwt` is not FAPI
/// 2.0 client authentication, so that profile leaves it nothing.
pub fn assertion_algorithms(
    profile: SecurityProfile,
    method: TokenEndpointAuthMethod,
) -> &'static [&'static str] {
    match (method, profile) {
        (TokenEndpointAuthMethod::PrivateKeyJwt, SecurityProfile::Standard) => STANDARD_KEY_ALGS,
        (TokenEndpointAuthMethod::PrivateKeyJwt, SecurityProfile::Fapi2) => FAPI2_KEY_ALGS,
        (TokenEndpointAuthMethod::ClientSecretJwt, SecurityProfile::Standard) => SECRET_ALGS,
        _ => &[],
    }
}

/// Every algorithm some client may use, for discovery's
/// `token_endpoint_auth_signing_alg_values_supported`.
pub fn advertised_assertion_algorithms(profile: SecurityProfile) -> Vec<&'static str> {
    let mut algs = assertion_algorithms(profile, TokenEndpointAuthMethod::PrivateKeyJwt).to_vec();
    algs.extend_from_slice(assertion_algorithms(
        profile,
        TokenEndpointAuthMethod::ClientSecretJwt,
    ));
    algs
}

/// What checking client assertions needs.
pub struct ClientAssertions {
    /// Signatures, with the client's keys or sealed secret.
    pub verifier: Arc<dyn ClientJwtVerifier>,
    /// Single-use `jti`s, shared by every process.
    pub replay: Arc<dyn ReplayCache>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// This server's issuer: an accepted `aud`, and the base of the endpoint URLs.
    pub issuer: String,
    /// The server's profile (a client may raise its own).
    pub profile: SecurityProfile,
}

/// Why a verified assertion's claims were refused (logged, answered as `invalid_client`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionClaimError {
    /// `iss` or `sub` is missing or not the client id.
    #[error("iss and sub must both be the client id")]
    Subject,
    /// `aud` names neither the issuer nor the endpoint.
    #[error("aud names neither the issuer nor the endpoint")]
    Audience,
    /// `exp` is missing or not a number.
    #[error("exp is missing")]
    MissingExpiry,
    /// `exp` has passed.
    #[error("the assertion has expired")]
    Expired,
    /// `exp` is further ahead than allowed.
    #[error("exp is more than {MAX_ASSERTION_LIFETIME_SECS} s ahead")]
    TooLong,
    /// `iat` or `nbf` is in the future (beyond the leeway), or not a number.
    #[error("iat or nbf is in the future")]
    NotYetValid,
    /// `jti` is missing, empty or too long.
    #[error("jti is missing")]
    MissingJti,
}

/// The claims that passed, as the replay check needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAssertion {
    /// The single-use identifier.
    pub jti: String,
    /// Kept as used until then (`exp` plus the leeway it was accepted with).
    pub keep_until: UnixTime,
}

/// Checks the claims of `verified`, an assertion by `client_id` sent to `endpoint_url`.
pub fn check_claims(
    verified: &VerifiedClientJwt,
    client_id: &str,
    issuer: &str,
    endpoint_url: &str,
    now: UnixTime,
) -> Result<CheckedAssertion, AssertionClaimError> {
    let claims = &verified.claims;
    let is_client = |name: &str| claims.get(name).and_then(Value::as_str) == Some(client_id);
    if !is_client("iss") || !is_client("sub") {
        return Err(AssertionClaimError::Subject);
    }
    let accepted = |aud: &str| {
        aud == issuer
            || aud.trim_end_matches('/') == issuer.trim_end_matches('/')
            || aud == endpoint_url
    };
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => accepted(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(accepted),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionClaimError::Audience);
    }
    let now = now.as_secs();
    let exp = number(claims, "exp").ok_or(AssertionClaimError::MissingExpiry)?;
    if exp.saturating_add(ASSERTION_LEEWAY_SECS) <= now {
        return Err(AssertionClaimError::Expired);
    }
    if exp > now.saturating_add(MAX_ASSERTION_LIFETIME_SECS + ASSERTION_LEEWAY_SECS) {
        return Err(AssertionClaimError::TooLong);
    }
    for name in ["iat", "nbf"] {
        if claims.contains_key(name) {
            match number(claims, name) {
                Some(t) if t <= now.saturating_add(ASSERTION_LEEWAY_SECS) => {}
                _ => return Err(AssertionClaimError::NotYetValid),
            }
        }
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
        .ok_or(AssertionClaimError::MissingJti)?;
    Ok(CheckedAssertion {
        jti: jti.to_owned(),
        keep_until: UnixTime::from_secs(exp.saturating_add(ASSERTION_LEEWAY_SECS)),
    })
}

/// A NumericDate claim in whole seconds (fractions are cut).
fn number(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    match claims.get(name)? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
