//! `POST /register` (RFC 7591) and `GET`/`PUT`/`DELETE /register/{client_id}` (RFC 7592).
//!
//! Registration is open, or needs the configured initial access token as a bearer token; it
//! is rate-limited per address. Management needs the client's registration access token; a
//! wrong token and an unknown client are the same `401 invalid_token`. Every answer carries
//! `Cache-Control: no-store`. Errors are RFC 7591 §3.2.2 JSON (`invalid_redirect_uri`,
//! `invalid_client_metadata`). When registration is off, none of these routes exist (`404`)
//! and discovery does not advertise `registration_endpoint`.

mod body;
mod first_use;

pub use body::{ClientInformationBody, ClientMetadataBody};
pub use first_use::FirstUseRecorder;

use super::bearer::bearer_token;
use super::errors::ApiError;
use super::json_body::{read_bounded, require_json_media_type};
use super::paths;
use super::wire::ErrorBody;
use super::RateLimiter;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::Arc;
use tessera_application::ports::Clock;
use tessera_application::services::{DynamicRegistration, DynamicRegistrationError};
use tessera_application::{OAuthErrorCode, RequestContext};

/// What the registration handlers need.
pub struct RegistrationState {
    /// The use case.
    pub service: Arc<DynamicRegistration>,
    /// `registration_client_uri` is this plus `/register/{client_id}`.
    pub issuer: String,
    /// Budgets per address, and the address itself.
    pub limiter: Arc<RateLimiter>,
    /// The instant of each request.
    pub clock: Arc<dyn Clock>,
}

impl RegistrationState {
    fn context(&self, req: &HttpRequest) -> RequestContext {
        RequestContext {
            ip: self.limiter.client_ip(req),
            request_id: crate::observability::with_current_request_id(|id| {
                id.unwrap_or_default().to_owned()
            }),
            now: self.clock.now(),
        }
    }

    fn client_uri(&self, client_id: &str) -> String {
        format!(
            "{}{}/{client_id}",
            self.issuer.trim_end_matches('/'),
            paths::REGISTER
        )
    }
}

/// Adds the registration routes (only when registration is enabled).
pub fn routes(state: web::Data<RegistrationState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(state)
            .service(
                web::resource(paths::REGISTER)
                    .route(web::post().to(register_post))
                    .default_service(web::to(super::method_not_allowed)),
            )
            .service(
                web::resource(paths::REGISTER_CLIENT)
                    .route(web::get().to(client_get))
                    .route(web::put().to(client_put))
                    .route(web::delete().to(client_delete))
                    .default_service(web::to(super::method_not_allowed)),
            );
    }
}

/// The refusal for `e`: `400` with the RFC 7591 code, `401 invalid_token` with a bearer
/// challenge, or the store's failure.
fn refusal(e: DynamicRegistrationError) -> ApiError {
    match e {
        DynamicRegistrationError::InvalidToken => ApiError::bearer(
            StatusCode::UNAUTHORIZED,
            Some(OAuthErrorCode::InvalidToken),
            "the access token is missing, invalid or not for this client",
        ),
        DynamicRegistrationError::Repository(r) => r.into(),
        other => ApiError::new(StatusCode::BAD_REQUEST, other.code(), other.to_string()),
    }
}

/// The bearer token of the request; a malformed `Authorization` header counts as none.
fn bearer(req: &HttpRequest) -> Option<&str> {
    bearer_token(req).ok().flatten()
}

/// Reads client metadata: `application/json`, bounded; what does not parse as metadata is
/// `invalid_client_metadata`.
async fn read_metadata(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<ClientMetadataBody, ApiError> {
    require_json_media_type(req)?;
    let bytes = read_bounded(req, payload).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidClientMetadata,
            match e.classify() {
                serde_json::error::Category::Data => format!("invalid client metadata: {e}"),
                _ => "the body is not a JSON object of client metadata".to_owned(),
            },
        )
    })
}

fn answer(status: StatusCode, body: &ClientInformationBody) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// Registers a client (RFC 7591); open, or with the initial access token as bearer token
#[utoipa::path(post, path = "/register", tag = "oauth",
    request_body = ClientMetadataBody,
    security((), ("initial_access_token" = [])),
    responses(
        (status = 201, description = "RFC 7591 §3.2.1 client information response", body = ClientInformationBody),
        (status = 400, description = "`invalid_redirect_uri` or `invalid_client_metadata` (RFC 7591 §3.2.2)", body = ErrorBody),
        (status = 401, description = "`invalid_token`: the configured initial access token is missing or wrong", body = ErrorBody),
        (status = 404, description = "Registration is turned off", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn register_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<RegistrationState>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiter
        .take_client_registration(&req)
        .await
        .map_err(ApiError::rate_limited)?;
    let metadata = read_metadata(&req, payload).await?;
    let ctx = state.context(&req);
    let info = state
        .service
        .register(&ctx, bearer(&req), metadata.into())
        .await
        .map_err(refusal)?;
    let uri = state.client_uri(info.client.id.as_str());
    Ok(answer(
        StatusCode::CREATED,
        &ClientInformationBody::new(info, uri),
    ))
}

/// Reads a registration (RFC 7592 §2.1); the answer carries a new registration access token
#[utoipa::path(get, path = "/register/{client_id}", tag = "oauth",
    params(("client_id" = String, Path, description = "The registered client's id")),
    security(("registration_access_token" = [])),
    responses(
        (status = 200, description = "RFC 7592 §3 client information response", body = ClientInformationBody),
        (status = 401, description = "`invalid_token`: wrong token or unknown client, alike", body = ErrorBody),
        (status = 404, description = "Registration is turned off", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn client_get(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<RegistrationState>,
) -> Result<HttpResponse, ApiError> {
    let info = state
        .service
        .read(&path, bearer(&req))
        .await
        .map_err(refusal)?;
    let uri = state.client_uri(info.client.id.as_str());
    Ok(answer(
        StatusCode::OK,
        &ClientInformationBody::new(info, uri),
    ))
}

/// Replaces a registration (RFC 7592 §2.2): full replacement, `client_id` must match
#[utoipa::path(put, path = "/register/{client_id}", tag = "oauth",
    params(("client_id" = String, Path, description = "The registered client's id")),
    request_body = ClientMetadataBody,
    security(("registration_access_token" = [])),
    responses(
        (status = 200, description = "RFC 7592 §3 client information response", body = ClientInformationBody),
        (status = 400, description = "`invalid_redirect_uri` or `invalid_client_metadata`", body = ErrorBody),
        (status = 401, description = "`invalid_token`: wrong token or unknown client, alike", body = ErrorBody),
        (status = 404, description = "Registration is turned off", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn client_put(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<RegistrationState>,
) -> Result<HttpResponse, ApiError> {
    let metadata = read_metadata(&req, payload).await?;
    let ctx = state.context(&req);
    let info = state
        .service
        .update(&ctx, &path, bearer(&req), metadata.into())
        .await
        .map_err(refusal)?;
    let uri = state.client_uri(info.client.id.as_str());
    Ok(answer(
        StatusCode::OK,
        &ClientInformationBody::new(info, uri),
    ))
}

/// Deletes a registration (RFC 7592 §2.3) and what hangs off it
#[utoipa::path(delete, path = "/register/{client_id}", tag = "oauth",
    params(("client_id" = String, Path, description = "The registered client's id")),
    security(("registration_access_token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`invalid_token`: wrong token or unknown client, alike", body = ErrorBody),
        (status = 404, description = "Registration is turned off", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
pub async fn client_delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<RegistrationState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.context(&req);
    state
        .service
        .delete(&ctx, &path, bearer(&req))
        .await
        .map_err(refusal)?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
