//! Signed request objects (RFC 9101): the authorization request as a JWT signed with one of the
//! client's registered keys. Once its signature and claims check out, its claims are the
//! request's parameters, and nothing else is (RFC 9101 §5: parameters outside it are ignored).

use super::AuthorizeParams;
use crate::ports::{ClientJwtError, ClientJwtVerifier, Clock, ReplayCache, ReplayKind};
use crate::RepositoryError;
use base64::Engine;
use serde_json::{Map, Value};
use std::sync::Arc;
use tessera_domain::{Client, SecurityProfile, UnixTime};

/// The `typ` a request object may carry (RFC 9101 §10.8); without one it is accepted too.
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// Signing algorithms accepted for request objects (discovery's
/// `request_object_signing_alg_values_supported`).
pub const REQUEST_OBJECT_ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];
/// The same under the FAPI 2.0 profile, which forbids RSASSA-PKCS1-v1_5.
pub const FAPI2_REQUEST_OBJECT_ALGS: [&str; 3] = ["PS256", "ES256", "EdDSA"];

/// The JWT claims of a request object that are not authorization parameters.
const JWT_CLAIMS: [&str; 6] = ["iss", "aud", "exp", "nbf", "iat", "jti"];

/// Why a request object was refused (`invalid_request_object`); the text is for the
/// description and the log and never holds key material.
#[derive(Debug, thiserror::Error)]
pub enum RequestObjectError {
    /// Malformed, signed with an algorithm or key not allowed, or not verifying.
    #[error("the request object's signature is not acceptable: {0}")]
    Signature(#[from] ClientJwtError),
    /// A claim is missing or wrong.
    #[error("the request object {0}")]
    Claims(&'static str),
    /// The same `jti` was seen before.
    #[error("the request object was already used")]
    Replayed,
    /// This server takes no request objects (no verifier wired).
    #[error("request objects are not supported")]
    NotSupported,
    /// The replay store failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Checks request objects and turns them into parameters.
pub struct RequestObjects {
    verifier: Arc<dyn ClientJwtVerifier>,
    replay: Option<Arc<dyn ReplayCache>>,
    clock: Arc<dyn Clock>,
    issuer: String,
    profile: SecurityProfile,
    clock_skew: i64,
}

impl RequestObjects {
    /// Request objects for `issuer` (their `aud`), verified with the clients' keys, under the
    /// server's `profile`, with `clock_skew` seconds of tolerance on `exp` and `nbf`.
    pub fn new(
        verifier: Arc<dyn ClientJwtVerifier>,
        clock: Arc<dyn Clock>,
        issuer: impl Into<String>,
        profile: SecurityProfile,
        clock_skew: i64,
    ) -> Self {
        Self {
            verifier,
            replay: None,
            clock,
            issuer: issuer.into(),
            profile,
            clock_skew: clock_skew.max(0),
        }
    }

    /// The same, refusing a second use of a request object's `jti` while it is valid.
    pub fn with_replay_cache(self, replay: Arc<dyn ReplayCache>) -> Self {
        Self {
            replay: Some(replay),
            ..self
        }
    }

    /// The algorithms a request object of `client` may be signed with.
    pub fn allowed_algs(&self, client: &Client) -> &'static [&'static str] {
        match self.profile.max(client.security.profile) {
            SecurityProfile::Fapi2 => &FAPI2_REQUEST_OBJECT_ALGS,
            SecurityProfile::Standard => &REQUEST_OBJECT_ALGS,
        }
    }

    /// The parameters of `client`'s request object `jwt`, once it verifies with one of the
    /// client's keys and its `iss` (the client), `aud` (this issuer), `exp`, `nbf`, `client_id`
    /// and `jti` check out. `client_id` is set to the client; `request` and `request_uri`
    /// inside it are refused.
    pub async fn parameters(
        &self,
        client: &Client,
        jwt: &str,
    ) -> Result<AuthorizeParams, RequestObjectError> {
        let typ = header_typ(jwt)?.map(|_| REQUEST_OBJECT_TYP);
        let verified = self
            .verifier
            .verify(client, jwt, self.allowed_algs(client), typ)
            .await?;
        let claims = verified.claims;
        let now = self.clock.now();
        let id = client.id.as_str();
        if claims.get("iss").and_then(Value::as_str) != Some(id) {
            return Err(RequestObjectError::Claims("iss must be the client_id"));
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == self.issuer,
            Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(&self.issuer)),
            _ => false,
        };
        if !audience_ok {
            return Err(RequestObjectError::Claims("aud must be the issuer"));
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(RequestObjectError::Claims("has no exp"))?;
        if !now.is_before(UnixTime::from_secs(exp).plus(self.clock_skew)) {
            return Err(RequestObjectError::Claims("has expired"));
        }
        match claims.get("nbf") {
            None => {}
            Some(nbf) => {
                let nbf = nbf
                    .as_i64()
                    .ok_or(RequestObjectError::Claims("nbf must be a number"))?;
                if now
                    .plus(self.clock_skew)
                    .is_before(UnixTime::from_secs(nbf))
                {
                    return Err(RequestObjectError::Claims("is not valid yet (nbf)"));
                }
            }
        }
        if claims
            .get("client_id")
            .is_some_and(|c| c.as_str() != Some(id))
        {
            return Err(RequestObjectError::Claims(
                "client_id differs from the client",
            ));
        }
        if claims.contains_key("request") || claims.contains_key("request_uri") {
            return Err(RequestObjectError::Claims(
                "must not hold request or request_uri",
            ));
        }
        if let (Some(replay), Some(jti)) = (&self.replay, claims.get("jti")) {
            let jti = jti
                .as_str()
                .ok_or(RequestObjectError::Claims("jti must be a string"))?;
            let until = UnixTime::from_secs(exp).plus(self.clock_skew);
            if !replay
                .first_use(ReplayKind::RequestObject, id, jti, until, now)
                .await?
            {
                return Err(RequestObjectError::Replayed);
            }
        }
        let mut params = AuthorizeParams::from_pairs(pairs(&claims));
        params.client_id = Some(id.to_owned());
        Ok(params)
    }
}

/// The protected header's `typ`, if any; a token that is not a JWS with a JSON header is
/// `Malformed` (the verifier would say so too).
fn header_typ(jwt: &str) -> Result<Option<String>, ClientJwtError> {
    if jwt.split('.').count() != 3 {
        return Err(ClientJwtError::Malformed);
    }
    let header = jwt.split('.').next().ok_or(ClientJwtError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| ClientJwtError::Malformed)?;
    let header: Map<String, Value> =
        serde_json::from_slice(&bytes).map_err(|_| ClientJwtError::Malformed)?;
    match header.get("typ") {
        None => Ok(None),
        Some(Value::String(t)) => Ok(Some(t.clone())),
        Some(_) => Err(ClientJwtError::Type),
    }
}

/// The claims as request parameters: strings as they are, numbers and booleans as text (OIDC
/// `max_age`), `resource` arrays as repeated parameters, other JSON (`claims`,
/// `authorization_details`) as its JSON text. The JWT's own claims are left out.
fn pairs(claims: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in claims {
        if JWT_CLAIMS.contains(&name.as_str()) {
            continue;
        }
        match value {
            Value::Null => {}
            Value::String(s) => out.push((name.clone(), s.clone())),
            Value::Number(n) => out.push((name.clone(), n.to_string())),
            Value::Bool(b) => out.push((name.clone(), b.to_string())),
            Value::Array(items) if name == "resource" => {
                for item in items {
                    if let Some(s) = item.as_str() {
                        out.push((name.clone(), s.to_owned()));
                    }
                }
            }
            other => out.push((name.clone(), other.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests;
