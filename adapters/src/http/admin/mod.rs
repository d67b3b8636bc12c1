//! The admin API under `/admin`: JSON in and out, every operation through the same
//! application services the CLI uses, every change in the audit log with who made it.
//!
//! A caller authenticates with `Authorization: Bearer <admin_token>` (compared as SHA-256
//! digests in constant time; with no `admin_token` configured that way in is off) or with
//! `Bearer tsk_…`, an API key whose scopes include `admin`. Failed attempts spend the
//! caller's address failure budget, so guessing ends in `429`.

pub(super) mod clients;
pub(super) mod keys;
pub(super) mod resources;
pub(super) mod roles;
pub(super) mod users;

use super::audit_trail;
use super::bearer::{bearer_token, BearerChallenge};
use super::errors::ApiError;
use super::state::AdminState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use tessera_application::services::admin::{Actor, AdminAuthError, ADMIN_SCOPE};
use tessera_application::OAuthErrorCode;
use tessera_application::RepositoryError;

// The admin paths (the contract lists them with the rest in `paths::ROUTES`).
const ADMIN_CLIENTS: &str = "/admin/clients";
const ADMIN_CLIENT: &str = "/admin/clients/{id}";
const ADMIN_CLIENT_SECRET: &str = "/admin/clients/{id}/secret";
const ADMIN_USERS: &str = "/admin/users";
const ADMIN_USER: &str = "/admin/users/{id}";
const ADMIN_USER_DISABLE: &str = "/admin/users/{id}/disable";
const ADMIN_USER_ENABLE: &str = "/admin/users/{id}/enable";
const ADMIN_USER_UNLOCK: &str = "/admin/users/{id}/unlock";
const ADMIN_USER_PASSWORD_RESET: &str = "/admin/users/{id}/password-reset";
const ADMIN_USER_MFA_RESET: &str = "/admin/users/{id}/mfa/reset";
const ADMIN_USER_CONSENTS: &str = "/admin/users/{id}/consents";
const ADMIN_USER_CONSENT: &str = "/admin/users/{id}/consents/{client_id}";
const ADMIN_USER_SESSIONS: &str = "/admin/users/{id}/sessions";
const ADMIN_USER_ROLES: &str = "/admin/users/{id}/roles";
const ADMIN_KEYS: &str = "/admin/keys";
const ADMIN_KEYS_ROTATE: &str = "/admin/keys/rotate";
const ADMIN_API_KEYS: &str = "/admin/api-keys";
const ADMIN_API_KEY: &str = "/admin/api-keys/{id}";
const ADMIN_AUDIT: &str = "/admin/audit";
const ADMIN_RESOURCES: &str = "/admin/resources";

/// The realm of the admin API's `WWW-Authenticate` challenges.
const ADMIN_REALM: &str = "tessera-admin";

/// Authenticates the caller (see the module docs) through the admin authenticator, which
/// checks the address's failure budget first and audits every refusal; this side only takes
/// the bearer credential out of the request and maps a refusal to its answer.
async fn authorise(req: &HttpRequest, state: &AdminState) -> Result<Actor, AdminError> {
    let ctx = audit_trail::request_context(req, &state.limiter, state.clock.as_ref());
    state
        .auth
        .authenticate(&ctx, presented_bearer(req))
        .await
        .map_err(auth_error)
}

/// The `Authorization: Bearer` credential, if the request has one. A malformed header counts
/// as none here: the admin API answers `401` either way.
fn presented_bearer(req: &HttpRequest) -> Option<&str> {
    bearer_token(req).ok().flatten()
}

/// The answer to a refused admin call: `429`, `401` or `403` with their challenges.
fn auth_error(e: AdminAuthError) -> AdminError {
    let refused = |status, code, challenge| AdminError {
        inner: ApiError::new(status, code, e.to_string()),
        challenge: Some(Box::new(challenge)),
    };
    match &e {
        AdminAuthError::Throttled { retry_after_secs } => {
            ApiError::rate_limited(*retry_after_secs).into()
        }
        AdminAuthError::Scope => refused(
            StatusCode::FORBIDDEN,
            OAuthErrorCode::InsufficientScope,
            BearerChallenge::new(ADMIN_REALM)
                .error(OAuthErrorCode::InsufficientScope)
                .scope(ADMIN_SCOPE),
        ),
        AdminAuthError::Missing | AdminAuthError::Invalid => refused(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidToken,
            BearerChallenge::new(ADMIN_REALM),
        ),
        AdminAuthError::ApiKey(source) => ApiError::server_error(source).into(),
    }
}

/// An admin API error: the common JSON error, plus a `WWW-Authenticate` challenge on `401`
/// and `403`.
#[derive(Debug)]
pub(super) struct AdminError {
    inner: ApiError,
    challenge: Option<Box<BearerChallenge>>,
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        self.inner.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.inner.error_response();
        if let Some(value) = self
            .challenge
            .as_ref()
            .and_then(|c| HeaderValue::try_from(c.header_value()).ok())
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

impl From<ApiError> for AdminError {
    fn from(inner: ApiError) -> Self {
        Self {
            inner,
            challenge: None,
        }
    }
}

impl From<RepositoryError> for AdminError {
    fn from(e: RepositoryError) -> Self {
        ApiError::from(e).into()
    }
}

/// `404` naming what was not found.
fn not_found(what: &str) -> AdminError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        OAuthErrorCode::NotFound,
        format!("no such {what}"),
    )
    .into()
}

/// `400` naming the field.
fn bad_field(field: &str, message: &str) -> AdminError {
    super::users::field_error(field, message).into()
}

/// `200` with a JSON body that no cache keeps (it may hold a one-time secret).
fn json_ok(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// `204`.
fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The query string as a map; a malformed one is `400`.
fn query(req: &HttpRequest) -> Result<HashMap<String, String>, AdminError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|_| ApiError::invalid_request("the query string is malformed").into())
}

/// An optional non-negative integer query parameter; anything else is `400` naming it.
fn int_param<T: std::str::FromStr>(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, AdminError> {
    match q.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| bad_field(name, "must be a non-negative integer")),
    }
}

/// Registers the admin routes.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    let na = || web::to(super::method_not_allowed);
    cfg.service(
        web::resource(ADMIN_CLIENTS)
            .route(web::get().to(clients::list))
            .route(web::post().to(clients::create))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_CLIENT)
            .route(web::get().to(clients::get))
            .route(web::patch().to(clients::update))
            .route(web::delete().to(clients::delete))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_CLIENT_SECRET)
            .route(web::post().to(clients::rotate_secret))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USERS)
            .route(web::get().to(users::list))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER)
            .route(web::get().to(users::get))
            .route(web::delete().to(users::delete))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_DISABLE)
            .route(web::post().to(users::disable))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_ENABLE)
            .route(web::post().to(users::enable))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_UNLOCK)
            .route(web::post().to(users::unlock))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_PASSWORD_RESET)
            .route(web::post().to(users::password_reset))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_MFA_RESET)
            .route(web::post().to(users::mfa_reset))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_CONSENTS)
            .route(web::get().to(users::consents))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_CONSENT)
            .route(web::delete().to(users::revoke_consent))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_SESSIONS)
            .route(web::delete().to(users::revoke_sessions))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_USER_ROLES)
            .route(web::get().to(roles::get))
            .route(web::put().to(roles::put))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_KEYS)
            .route(web::get().to(keys::list))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_KEYS_ROTATE)
            .route(web::post().to(keys::rotate))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_API_KEYS)
            .route(web::get().to(keys::api_keys_list))
            .route(web::post().to(keys::api_keys_create))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_API_KEY)
            .route(web::delete().to(keys::api_keys_revoke))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_AUDIT)
            .route(web::get().to(keys::audit_list))
            .default_service(na()),
    )
    .service(
        web::resource(ADMIN_RESOURCES)
            .route(web::get().to(resources::list))
            .route(web::post().to(resources::create))
            .route(web::delete().to(resources::delete))
            .default_service(na()),
    );
}

#[cfg(test)]
pub(in crate::http) mod tests;
