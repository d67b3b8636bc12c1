//! The admin API under `/admin`: JSON in and out, every operation through the same
//! application services the CLI uses, every change in the audit log with who made it.
//!
//! A caller authenticates with `Authorization: Bearer <admin_token>` (compared as SHA-256
//! digests in constant time; with no `admin_token` configured that way in is off) or with
//! `Bearer tsk_…`, an API key whose scopes include `admin`. Failed attempts spend the
//! caller's address failure budget, so guessing ends in `429`.

mod clients;
mod keys;
mod users;

use super::bearer::{bearer_token, BearerChallenge};
use super::errors::ApiError;
use super::HttpState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use tessera_application::ports::{AuditLog, Clock};
use tessera_application::services::admin::{
    Actor, AdminApiKeys, AdminAudit, AdminClients, AdminKeys, AdminUsers,
};
use tessera_application::services::ApiKeys;
use tessera_application::OAuthErrorCode;
use tessera_application::RepositoryError;
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, SigningAlgorithm, TokenDigest};

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
const ADMIN_USER_CONSENTS: &str = "/admin/users/{id}/consents";
const ADMIN_USER_CONSENT: &str = "/admin/users/{id}/consents/{client_id}";
const ADMIN_USER_SESSIONS: &str = "/admin/users/{id}/sessions";
const ADMIN_KEYS: &str = "/admin/keys";
const ADMIN_KEYS_ROTATE: &str = "/admin/keys/rotate";
const ADMIN_API_KEYS: &str = "/admin/api-keys";
const ADMIN_API_KEY: &str = "/admin/api-keys/{id}";
const ADMIN_AUDIT: &str = "/admin/audit";

/// The realm of the admin API's `WWW-Authenticate` challenges.
const ADMIN_REALM: &str = "tessera-admin";
/// The scope an API key needs here.
const ADMIN_SCOPE: &str = "admin";

/// Everything the admin handlers need.
pub struct AdminApi {
    /// Client administration.
    pub clients: AdminClients,
    /// User, consent and session administration.
    pub users: AdminUsers,
    /// Signing keys.
    pub keys: AdminKeys,
    /// API keys.
    pub api_keys: AdminApiKeys,
    /// The audit log listing.
    pub audit: AdminAudit,
    /// Who may call.
    pub auth: AdminAuth,
    /// The algorithm of a rotation that names none (the configured one).
    pub default_alg: SigningAlgorithm,
}

/// Decides who may call the admin API.
pub struct AdminAuth {
    token: Option<TokenDigest>,
    api_keys: Arc<ApiKeys>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
}

impl AdminAuth {
    /// `admin_token` as configured (`None`: token access is off); API keys are checked by
    /// `api_keys`. Only the token's digest is kept. Refused attempts go to `audit`.
    pub fn new(
        admin_token: Option<&SecretString>,
        api_keys: Arc<ApiKeys>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            token: admin_token
                .map(|t| t.expose_secret())
                .filter(|t| !t.is_empty())
                .map(TokenDigest::of),
            api_keys,
            audit,
            clock,
        }
    }

    /// The actor behind the request's bearer credential, or why there is none.
    async fn authenticate(&self, req: &HttpRequest) -> Result<Actor, AuthFailure> {
        // A malformed header counts as no credentials here: the admin API answers `401`.
        let presented = bearer_token(req)
            .ok()
            .flatten()
            .ok_or(AuthFailure::Missing)?;
        if presented.starts_with(tessera_domain::api_key::API_KEY_TAG) {
            let key = self
                .api_keys
                .authenticate(presented)
                .await
                .map_err(|e| AuthFailure::Error(e.to_string()))?
                .ok_or(AuthFailure::Invalid)?;
            if !key.allows(ADMIN_SCOPE) {
                return Err(AuthFailure::Scope);
            }
            return Ok(Actor::new(format!("api_key:{}", key.prefix)));
        }
        match &self.token {
            Some(digest) if digest.matches(presented) => Ok(Actor::new("admin_token")),
            _ => Err(AuthFailure::Invalid),
        }
    }
}

enum AuthFailure {
    Missing,
    Invalid,
    Scope,
    Error(String),
}

/// Authenticates the caller (see the module docs) and returns the actor with its address.
/// The address's failure budget is checked before the credential, so an address that has
/// been guessing gets `429` even when it finally brings the right token; every refusal, the
/// `429`s included, is audited.
async fn authorise(req: &HttpRequest, state: &HttpState) -> Result<Actor, AdminError> {
    let ip = state.limiter.client_ip(req).map(|ip| ip.to_string());
    if let Err(wait) = state.limiter.check_admin(req) {
        audit_refusal(
            state,
            ip,
            "admin.auth refused: too many failed attempts from this address",
        );
        return Err(ApiError::rate_limited(wait).into());
    }
    let failure = match state.admin.auth.authenticate(req).await {
        Ok(actor) => {
            return Ok(match ip {
                Some(ip) => actor.with_ip(ip),
                None => actor,
            })
        }
        Err(AuthFailure::Error(e)) => return Err(ApiError::server_error(&e).into()),
        Err(f) => f,
    };
    state.limiter.admin_failed(req);
    let why = match failure {
        AuthFailure::Missing => "admin.auth missing credentials",
        AuthFailure::Scope => "admin.auth api key without admin scope",
        _ => "admin.auth invalid credentials",
    };
    audit_refusal(state, ip, why);
    Err(match failure {
        AuthFailure::Scope => AdminError {
            inner: ApiError::new(
                StatusCode::FORBIDDEN,
                OAuthErrorCode::InsufficientScope,
                "this API key does not have the admin scope",
            ),
            challenge: Some(
                BearerChallenge::new(ADMIN_REALM)
                    .error(OAuthErrorCode::InsufficientScope)
                    .scope(ADMIN_SCOPE),
            ),
        },
        AuthFailure::Missing => AdminError {
            inner: ApiError::new(
                StatusCode::UNAUTHORIZED,
                OAuthErrorCode::InvalidToken,
                "admin credentials are required",
            ),
            challenge: Some(BearerChallenge::new(ADMIN_REALM)),
        },
        _ => AdminError {
            inner: ApiError::new(
                StatusCode::UNAUTHORIZED,
                OAuthErrorCode::InvalidToken,
                "the admin credentials are not valid",
            ),
            challenge: Some(BearerChallenge::new(ADMIN_REALM)),
        },
    })
}

/// Records a refused admin call with the caller's address.
fn audit_refusal(state: &HttpState, ip: Option<String>, why: &'static str) {
    let auth = &state.admin.auth;
    let mut event = AuditEvent::new(
        auth.clock.now(),
        AuditAction::AdminAction,
        AuditOutcome::Failure,
    )
    .detail(why);
    if let Some(ip) = ip {
        event = event.ip(ip);
    }
    auth.audit.record(event);
}

/// An admin API error: the common JSON error, plus a `WWW-Authenticate` challenge on `401`
/// and `403`.
#[derive(Debug)]
pub(super) struct AdminError {
    inner: ApiError,
    challenge: Option<BearerChallenge>,
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
        if let Some(c) = self
            .challenge
            .as_ref()
            .and_then(|c| HeaderValue::from_str(&c.header_value()).ok())
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, c);
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
    );
}
