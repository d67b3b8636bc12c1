//! `POST /introspect` (RFC 7662).

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::openapi::JSON_ERROR;
use super::state::TokenEndpoints;
use super::wire::{ErrorBody, IntrospectRequest, IntrospectResponse};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

// `POST /introspect`: only authenticated confidential clients may ask (RFC 7662 §2.1, so the
// endpoint cannot be used to probe tokens anonymously).
/// Token introspection (RFC 7662)
#[utoipa::path(post, operation_id = "introspect", path = "/introspect", tag = "oauth",
    request_body(content = IntrospectRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "The token's state", body = IntrospectResponse),
        (status = 400, description = JSON_ERROR, body = ErrorBody),
        (status = 401, description = "`invalid_client`: confidential clients only", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn introspect_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<TokenEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let (form, caller) = authenticated_form(&req, payload, &state).await?;
    if caller.is_public() {
        return Err(ApiError::invalid_client());
    }
    let token = form.require("token")?;
    let answer = state.introspection.introspect(&caller, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IntrospectResponse::from(answer)))
}
