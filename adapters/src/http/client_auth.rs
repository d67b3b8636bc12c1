//! Extracting client credentials from a request (RFC 6749 §2.3.1).

use super::errors::ApiError;
use super::form::OAuthForm;
use actix_web::http::header;
use actix_web::HttpRequest;
use base64::Engine;
use secrecy::SecretString;
use tessera_application::services::{
    AuthenticateClientError, PresentedCredentials, JWT_BEARER_ASSERTION_TYPE,
};
use tessera_domain::Client;

/// The common start of every endpoint that takes client credentials: the form body, the
/// failure budget, and the authenticated client. Only failed authentications spend from the
/// budget (per address and per client id), so a busy honest caller is never throttled.
pub async fn authenticated_form(
    req: &HttpRequest,
    payload: actix_web::web::Payload,
    state: &super::state::TokenEndpoints,
) -> Result<(OAuthForm, Client), ApiError> {
    let form = OAuthForm::read(req, payload).await?;
    let presented = match presented_credentials(req, &form) {
        Ok(p) => p,
        Err(e) => {
            state.limiter.client_auth_failed(req, None).await;
            return Err(e);
        }
    };
    let client_id = presented.client_id().to_owned();
    crate::observability::otel::record_client_id(&client_id);
    state
        .limiter
        .check_client_auth(req, Some(&client_id))
        .await
        .map_err(ApiError::rate_limited)?;
    match state.authenticator.authenticate(presented).await {
        Ok(client) => Ok((form, client)),
        Err(e) => {
            if matches!(e, AuthenticateClientError::InvalidClient) {
                state
                    .limiter
                    .client_auth_failed(req, Some(&client_id))
                    .await;
            }
            Err(e.into())
        }
    }
}

/// What the request presented, checking that it used exactly one method (OAuth 2.1 §2.4, AS-28).
/// No credentials at all is `invalid_client`.
pub fn presented_credentials(
    req: &HttpRequest,
    form: &OAuthForm,
) -> Result<PresentedCredentials, ApiError> {
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    if form.get("client_assertion").is_some() || form.get("client_assertion_type").is_some() {
        return presented_assertion(req, form);
    }
    if let Some(auth) = req.headers().get(header::AUTHORIZATION) {
        let (client_id, secret) =
            parse_basic(auth.to_str().ok()).ok_or_else(ApiError::invalid_client)?;
        if form_secret.is_some() {
            return Err(ApiError::invalid_request(
                "use one client authentication method: HTTP Basic or client_secret, not both",
            ));
        }
        if form_id.is_some_and(|id| id != client_id) {
            return Err(ApiError::invalid_request(
                "client_id in the body differs from the authenticated client",
            ));
        }
        return Ok(PresentedCredentials::Basic { client_id, secret });
    }
    match (form_id, form_secret) {
        (Some(id), Some(secret)) => Ok(PresentedCredentials::Post {
            client_id: id.to_owned(),
            secret: SecretString::from(secret.to_owned()),
        }),
        (Some(id), None) => Ok(PresentedCredentials::None {
            client_id: id.to_owned(),
        }),
        (None, _) => Err(ApiError::invalid_client()),
    }
}

/// A JWT client assertion (RFC 7523 §2.2, RFC 7521 §4.2): the only method in the request, of
/// the JWT bearer type. The client id is the assertion's `iss` and `sub` (equal), read here
/// unverified only to find the client; a `client_id` in the body must name the same one.
fn presented_assertion(
    req: &HttpRequest,
    form: &OAuthForm,
) -> Result<PresentedCredentials, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) || form.get("client_secret").is_some() {
        return Err(ApiError::invalid_request(
            "use one client authentication method: client_assertion, HTTP Basic or \
             client_secret, not several",
        ));
    }
    let (Some(assertion), Some(kind)) = (
        form.get("client_assertion"),
        form.get("client_assertion_type"),
    ) else {
        return Err(ApiError::invalid_client());
    };
    if kind != JWT_BEARER_ASSERTION_TYPE {
        return Err(ApiError::invalid_client());
    }
    let client_id = unverified_subject(assertion).ok_or_else(ApiError::invalid_client)?;
    if form.get("client_id").is_some_and(|id| id != client_id) {
        return Err(ApiError::invalid_request(
            "client_id in the body differs from the client assertion's",
        ));
    }
    Ok(PresentedCredentials::Assertion {
        client_id,
        assertion: SecretString::from(assertion.to_owned()),
        endpoint_path: req.path().to_owned(),
    })
}

/// The `iss` of a compact JWT whose `sub` is the same, without checking anything else.
pub(super) fn unverified_subject(jwt: &str) -> Option<String> {
    if jwt.len() > 8 * 1024 {
        return None;
    }
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    let iss = claims.get("iss")?.as_str()?;
    let sub = claims.get("sub")?.as_str()?;
    (iss == sub && !iss.is_empty()).then(|| iss.to_owned())
}

/// Decodes `Basic base64(urlencode(id):urlencode(secret))`.
pub(super) fn parse_basic(value: Option<&str>) -> Option<(String, SecretString)> {
    let value = value?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = form_urldecode(id)?;
    let secret = form_urldecode(secret)?;
    if id.is_empty() {
        return None;
    }
    Some((id, SecretString::from(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value (`+` is a space).
fn form_urldecode(s: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={s}")).ok()?;
    match pairs.as_slice() {
        [(_, v)] => Some(v.clone()),
        [] => Some(String::new()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
