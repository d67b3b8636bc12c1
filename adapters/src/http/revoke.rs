//! `POST /revoke` (RFC 7009).

use super::audit_trail;
use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::openapi::JSON_ERROR;
use super::wire::{ErrorBody, RevokeRequest};
use super::HttpState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_domain::{AuditAction, AuditOutcome};

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
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let (form, caller) = authenticated_form(&req, payload, &state).await?;
    let token = form.require("token")?;
    // JWT access tokens have three dot-separated parts; refresh tokens are opaque.
    if token.split('.').count() == 3 {
        state.revocation.revoke(&caller, token).await?;
    } else {
        state.refresh_grant.revoke(&caller, token).await?;
    }
    // Unknown tokens also land here (RFC 7009 §2.2): the event says a revocation was asked
    // for and answered, not that a live token existed.
    state.audit.record(
        audit_trail::event(
            &state,
            &req,
            AuditAction::TokenRevoked,
            AuditOutcome::Success,
        )
        .client(caller.id.as_str()),
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
