//! `GET, POST /userinfo` (OIDC Core §5.3, bearer tokens per RFC 6750).

use super::bearer::{access_token, AuthScheme};
use super::dpop::dpop_proof;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::resource_endpoints::ResourceEndpoints;
use super::wire::{ErrorBody, UserInfoClaims, UserInfoForm};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::services::{PresentedToken, UserInfoError};
use tessera_application::OAuthErrorCode;

// `GET /userinfo`: the token comes in the `Authorization: Bearer` header, or, DPoP-bound, in
// `Authorization: DPoP` with a `DPoP` proof header.
/// OIDC UserInfo (bearer or DPoP-bound token in the header)
#[utoipa::path(get, operation_id = "userinfo_get", path = "/userinfo", tag = "oauth",
    description = "A DPoP-bound token (RFC 9449 §7.1) must come as `Authorization: DPoP <token>` \
                   with a `DPoP` proof of its key (`htm`, `htu` of this endpoint, `ath`); \
                   otherwise `401` with a `WWW-Authenticate: DPoP` challenge.",
    params(("DPoP" = Option<String>, Header, description = "RFC 9449 DPoP proof JWT, for a DPoP-bound token")),
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The claims the token's scopes allow", body = UserInfoClaims),
        (status = 400, description = "Malformed request, with `WWW-Authenticate`", body = ErrorBody),
        (status = 401, description = "Missing or invalid token or DPoP proof (`invalid_token`, `invalid_dpop_proof`, `use_dpop_nonce` with `DPoP-Nonce`), with `WWW-Authenticate`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn userinfo_get(
    req: HttpRequest,
    state: web::Data<ResourceEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let (scheme, token) = access_token(&req)?.ok_or_else(ApiError::bearer_required)?;
    let presented = presented(&req, scheme, token, "GET")?;
    answer(&state, presented).await
}

/// The token as presented: a `DPoP` scheme brings the `DPoP` header's proof along.
fn presented<'a>(
    req: &'a HttpRequest,
    scheme: AuthScheme,
    token: &'a str,
    method: &'a str,
) -> Result<PresentedToken<'a>, ApiError> {
    Ok(match scheme {
        AuthScheme::Bearer => PresentedToken::Bearer(token),
        AuthScheme::Dpop => PresentedToken::Dpop {
            token,
            proof: dpop_proof(req)?,
            method,
        },
    })
}

// `POST /userinfo`: the header, or `access_token` in a form body (RFC 6750 §2.2), not both.
/// OIDC UserInfo (token in the header or the form body, not both)
#[utoipa::path(post, operation_id = "userinfo_post", path = "/userinfo", tag = "oauth",
    security((), ("access_token" = [])),
    request_body(content = UserInfoForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The claims the token's scopes allow", body = UserInfoClaims),
        (status = 400, description = "Malformed request, with `WWW-Authenticate`", body = ErrorBody),
        (status = 401, description = "Missing or invalid token or DPoP proof, with `WWW-Authenticate`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn userinfo_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ResourceEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let token = match access_token(&req)? {
        Some((scheme, header_token)) => {
            if body_has_token(&req, payload).await {
                return Err(ApiError::bearer(
                    StatusCode::BAD_REQUEST,
                    Some(OAuthErrorCode::InvalidRequest),
                    "send the token one way only",
                ));
            }
            let presented = presented(&req, scheme, header_token, "POST")?;
            return answer(&state, presented).await;
        }
        None => OAuthForm::read(&req, payload)
            .await
            .ok()
            .and_then(|f| f.get("access_token").map(str::to_owned))
            .ok_or_else(ApiError::bearer_required)?,
    };
    answer(&state, PresentedToken::Bearer(&token)).await
}

/// Whether a non-empty body also carries `access_token` (a body that cannot be read does not).
async fn body_has_token(req: &HttpRequest, payload: web::Payload) -> bool {
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "0");
    has_body
        && OAuthForm::read(req, payload)
            .await
            .is_ok_and(|f| f.get("access_token").is_some())
}

async fn answer(
    state: &ResourceEndpoints,
    presented: PresentedToken<'_>,
) -> Result<HttpResponse, ApiError> {
    let claims = state
        .userinfo
        .claims(presented)
        .await
        .map_err(|e| refusal(state, e))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(claims))
}

/// The error response; a DPoP refusal's challenge names the server's algorithms, and a nonce
/// refusal carries the nonce to retry with.
fn refusal(state: &ResourceEndpoints, e: UserInfoError) -> ApiError {
    match &e {
        UserInfoError::BoundTokenAsBearer | UserInfoError::Dpop(_) => {
            let nonce = (e.code() == OAuthErrorCode::UseDpopNonce)
                .then(|| state.userinfo.dpop_nonce())
                .flatten();
            ApiError::dpop_challenge(e.code(), &e.to_string(), state.userinfo.dpop_algorithms())
                .with_dpop_nonce(nonce)
        }
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests;
