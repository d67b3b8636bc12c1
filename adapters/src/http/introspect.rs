//! `POST /introspect` (RFC 7662).

use super::client_auth::presented_credentials;
use super::errors::ApiError;
use super::form::OAuthForm;
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
    state.limiter.check(&req).map_err(ApiError::rate_limited)?;
    let form = OAuthForm::read(&req, payload).await?;
    let caller = state
        .authenticator
        .authenticate(presented_credentials(&req, &form)?)
        .await?;
    if caller.is_public() {
        return Err(ApiError::invalid_client());
    }
    let token = form.require("token")?;
    let answer = state.introspection.introspect(&caller, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}
