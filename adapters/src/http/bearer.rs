//! RFC 6750 at the edge: the one reader of `Authorization: Bearer` and the one builder of the
//! `WWW-Authenticate: Bearer` challenge, shared by userinfo, the account API and the admin API.

use actix_web::http::header;
use actix_web::HttpRequest;
use std::fmt::Write;
use tessera_application::OAuthErrorCode;

/// The realm of the OAuth and account endpoints.
pub const REALM: &str = "tessera";

/// An `Authorization` header that is not `Bearer <token>` (RFC 6750 §3.1 `invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed Authorization header")]
pub struct MalformedAuthorization;

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive, token trimmed);
/// `Ok(None)` without the header, so callers can tell "no credentials" (`401` without an error
/// code) from a malformed header (`400`).
pub fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, MalformedAuthorization> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| MalformedAuthorization)?;
    let (scheme, token) = value.split_once(' ').ok_or(MalformedAuthorization)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(MalformedAuthorization);
    }
    Ok(Some(token))
}

/// The `Authorization` scheme an access token came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// RFC 6750.
    Bearer,
    /// RFC 9449 §7.1: a DPoP-bound token, with a `DPoP` proof header.
    Dpop,
}

/// The token of `Authorization: Bearer <token>` or `Authorization: DPoP <token>` (schemes
/// case-insensitive), with its scheme; `Ok(None)` without the header.
pub fn access_token(
    req: &HttpRequest,
) -> Result<Option<(AuthScheme, &str)>, MalformedAuthorization> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| MalformedAuthorization)?;
    let (scheme, token) = value.split_once(' ').ok_or(MalformedAuthorization)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(MalformedAuthorization);
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Some((AuthScheme::Bearer, token)))
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Ok(Some((AuthScheme::Dpop, token)))
    } else {
        Err(MalformedAuthorization)
    }
}

/// An RFC 6750 §3 `WWW-Authenticate` challenge:
/// `Bearer realm="…"[, error="…"][, error_description="…"][, scope="…"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerChallenge {
    scheme: &'static str,
    algs: Option<Box<str>>,
    realm: &'static str,
    error: Option<OAuthErrorCode>,
    description: Option<Box<str>>,
    scope: Option<&'static str>,
    max_age: Option<i64>,
}

impl BearerChallenge {
    /// A bare challenge: the request carried no credentials (RFC 6750 §3.1, no error code).
    pub fn new(realm: &'static str) -> Self {
        Self {
            scheme: "Bearer",
            algs: None,
            realm,
            error: None,
            description: None,
            scope: None,
            max_age: None,
        }
    }

    /// The RFC 9449 §7.1 challenge of the `DPoP` scheme, naming the proof algorithms accepted.
    pub fn dpop(realm: &'static str, algs: &[&str]) -> Self {
        Self {
            scheme: "DPoP",
            algs: Some(algs.join(" ").into()),
            ..Self::new(realm)
        }
    }

    /// Names the error code.
    pub fn error(self, code: OAuthErrorCode) -> Self {
        Self {
            error: Some(code),
            ..self
        }
    }

    /// Adds `error_description` (quotes and backslashes are replaced, it is a quoted string).
    pub fn description(self, text: &str) -> Self {
        Self {
            description: Some(tessera_application::errors::oauth_description(text).into()),
            ..self
        }
    }

    /// Adds the scope the resource needs (with `insufficient_scope`).
    pub fn scope(self, scope: &'static str) -> Self {
        Self {
            scope: Some(scope),
            ..self
        }
    }

    /// Adds `max_age` (RFC 9470 §3, with `insufficient_user_authentication`).
    pub fn max_age(self, secs: i64) -> Self {
        Self {
            max_age: Some(secs),
            ..self
        }
    }

    /// The header value.
    pub fn header_value(&self) -> String {
        let mut out = format!("{} realm=\"{}\"", self.scheme, self.realm);
        // Writing to a String cannot fail.
        if let Some(code) = self.error {
            let _ = write!(out, ", error=\"{code}\"");
        }
        if let Some(text) = &self.description {
            let _ = write!(out, ", error_description=\"{text}\"");
        }
        if let Some(scope) = self.scope {
            let _ = write!(out, ", scope=\"{scope}\"");
        }
        if let Some(secs) = self.max_age {
            let _ = write!(out, ", max_age={secs}");
        }
        if let Some(algs) = &self.algs {
            let _ = write!(out, ", algs=\"{algs}\"");
        }
        out
    }
}

#[cfg(test)]
mod tests;
