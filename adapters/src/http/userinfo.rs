//! `GET, POST /userinfo` (OIDC Core §5.3, bearer tokens per RFC 6750).

use super::bearer::bearer_token;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::resource_endpoints::ResourceEndpoints;
use super::wire::{ErrorBody, UserInfoClaims, UserInfoForm};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::OAuthErrorCode;

// `GET /userinfo`: the token comes in the `Authorization: Bearer` header.
/// OIDC UserInfo (bearer token in the header)
#[utoipa::path(get, operation_id = "userinfo_get", path = "/userinfo", tag = "oauth",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The claims the token's scopes allow", body = UserInfoClaims),
        (status = 400, description = "Malformed request, with `WWW-Authenticate`", body = ErrorBody),
        (status = 401, description = "Missing or invalid token, with `WWW-Authenticate`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn userinfo_get(
    req: HttpRequest,
    state: web::Data<ResourceEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer_token(&req)?.ok_or_else(ApiError::bearer_required)?;
    answer(&state, token).await
}

// `POST /userinfo`: the header, or `access_token` in a form body (RFC 6750 §2.2), not both.
/// OIDC UserInfo (token in the header or the form body, not both)
#[utoipa::path(post, operation_id = "userinfo_post", path = "/userinfo", tag = "oauth",
    security((), ("access_token" = [])),
    request_body(content = UserInfoForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The claims the token's scopes allow", body = UserInfoClaims),
        (status = 400, description = "Malformed request, with `WWW-Authenticate`", body = ErrorBody),
        (status = 401, description = "Missing or invalid token, with `WWW-Authenticate`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn userinfo_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ResourceEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let token = match bearer_token(&req)? {
        Some(header_token) => {
            if body_has_token(&req, payload).await {
                return Err(ApiError::bearer(
                    StatusCode::BAD_REQUEST,
                    Some(OAuthErrorCode::InvalidRequest),
                    "send the token one way only",
                ));
            }
            header_token.to_owned()
        }
        None => OAuthForm::read(&req, payload)
            .await
            .ok()
            .and_then(|f| f.get("access_token").map(str::to_owned))
            .ok_or_else(ApiError::bearer_required)?,
    };
    answer(&state, &token).await
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

async fn answer(state: &ResourceEndpoints, token: &str) -> Result<HttpResponse, ApiError> {
    let claims = state.userinfo.claims(token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(claims))
}

#[cfg(test)]
mod tests;
