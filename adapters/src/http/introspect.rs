//! `POST /introspect` (RFC 7662).

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::wire::IntrospectResponse;
use super::HttpState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// `POST /introspect`: only authenticated confidential clients may ask (RFC 7662 §2.1, so the
/// endpoint cannot be used to probe tokens anonymously).
pub async fn introspect_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
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
