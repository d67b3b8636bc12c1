//! The claim checks of an upstream's ID token, OpenID Connect Core §3.1.3.7 steps 2–11 (the
//! signature, steps 6–8, is the adapter's: it needs the upstream's keys).

use super::{UpstreamError, UpstreamSubject};
use crate::UnixTime;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

/// How far the upstream's clock may be ahead of ours, in seconds.
pub const ID_TOKEN_SKEW_SECS: i64 = 60;
/// The oldest `iat` accepted (step 10: "reject tokens that were issued too far away from the
/// current time"): ten minutes, the life of a pending upstream sign-in.
pub const ID_TOKEN_MAX_AGE_SECS: i64 = 600;

/// What the ID token must say.
#[derive(Debug, Clone, Copy)]
pub struct ExpectedIdToken<'a> {
    /// The upstream's issuer, exactly as registered (and as its discovery document says).
    pub issuer: &'a str,
    /// Our client id at the upstream.
    pub client_id: &'a str,
    /// The `nonce` sent in this authorization request.
    pub nonce: &'a str,
    /// Now, by our clock.
    pub now: UnixTime,
}

/// Why an ID token's claims are refused; each names the step of §3.1.3.7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenRejection {
    /// Step 2: `iss` is not exactly the upstream's issuer.
    #[error("iss is not the upstream's issuer")]
    Issuer,
    /// Step 3: `aud` does not list us, or lists audiences we do not trust.
    #[error("aud does not name this client alone")]
    Audience,
    /// Steps 4–5: `azp` is present and not our client id.
    #[error("azp is not this client")]
    AuthorizedParty,
    /// Step 9: the token has expired (or has no `exp`).
    #[error("the ID token has expired")]
    Expired,
    /// Step 10: `iat` is missing, in the future, or too old.
    #[error("iat is missing or too far from now")]
    IssuedAt,
    /// Step 11: `nonce` is missing or not the one sent.
    #[error("nonce does not match the request")]
    Nonce,
    /// `sub` is missing or not a valid subject (OIDC Core §2).
    #[error("sub is missing or invalid")]
    Subject(#[source] Option<UpstreamError>),
}

/// Checks the claims of a signature-verified ID token and returns its `sub`.
pub fn check_id_token_claims(
    claims: &Map<String, Value>,
    expected: ExpectedIdToken<'_>,
) -> Result<UpstreamSubject, IdTokenRejection> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(expected.issuer) {
        return Err(IdTokenRejection::Issuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let listed = audiences.len()
        == claims.get("aud").map_or(0, |a| match a {
            Value::Array(list) => list.len(),
            _ => 1,
        });
    // Every audience must be us: we trust no other party to hold our users' ID tokens.
    if audiences.is_empty() || !listed || audiences.iter().any(|a| *a != expected.client_id) {
        return Err(IdTokenRejection::Audience);
    }
    if let Some(azp) = claims.get("azp") {
        if azp.as_str() != Some(expected.client_id) {
            return Err(IdTokenRejection::AuthorizedParty);
        }
    }
    let now = expected.now.as_secs();
    let exp = claims.get("exp").and_then(Value::as_i64);
    if exp.is_none_or(|exp| now >= exp.saturating_add(ID_TOKEN_SKEW_SECS)) {
        return Err(IdTokenRejection::Expired);
    }
    let iat = claims.get("iat").and_then(Value::as_i64);
    if iat.is_none_or(|iat| {
        iat > now.saturating_add(ID_TOKEN_SKEW_SECS)
            || iat < now.saturating_sub(ID_TOKEN_MAX_AGE_SECS)
    }) {
        return Err(IdTokenRejection::IssuedAt);
    }
    let nonce_ok = text("nonce").is_some_and(|n| {
        n.len() == expected.nonce.len() && bool::from(n.as_bytes().ct_eq(expected.nonce.as_bytes()))
    });
    if !nonce_ok {
        return Err(IdTokenRejection::Nonce);
    }
    let sub = text("sub").ok_or(IdTokenRejection::Subject(None))?;
    UpstreamSubject::parse(sub).map_err(|e| IdTokenRejection::Subject(Some(e)))
}

/// The person's email and whether the upstream verified it, from the claim the mapping names;
/// `email_verified` counts only as the boolean `true` (or the string `"true"`, which some
/// providers send).
pub fn email_from_claims(claims: &Map<String, Value>, email_claim: &str) -> Option<(String, bool)> {
    let email = claims.get(email_claim).and_then(Value::as_str)?.to_owned();
    let verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    Some((email, verified))
}

#[cfg(test)]
mod tests;
