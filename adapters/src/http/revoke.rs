//! `POST /revoke` (RFC 7009).

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::openapi::JSON_ERROR;
use super::state::TokenEndpoints;
use super::wire::{ErrorBody, RevokeRequest};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

// `POST /revoke`: the caller authenticates (public clients by `client_id`), the token is
// denylisted, and `200` is sent only after that is committed. Unknown tokens also get `200`.
/// Token revocation (RFC 7009)
#[utoipa::path(post, operation_id = "revoke", path = "/revoke", tag = "oauth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Revoked, or unknown (no body)"),
        (status = 400, description = JSON_ERROR, body = ErrorBody),
        (status = 401, description = "`invalid_client`", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn revoke_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<TokenEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let (form, caller) = authenticated_form(&req, payload, &state).await?;
    let token = form.require("token")?;
    state
        .revocation
        .revoke(&state.context(&req), &caller, token)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
