//! `/admin/keys` (signing keys), `/admin/api-keys` and `/admin/audit`.

use super::super::users::read_json;
use super::AdminState;
use super::{authorise, bad_field, int_param, json_ok, no_content, not_found, query, AdminError};
use crate::http::errors::ApiError;
use crate::http::wire;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};
use tessera_application::ports::{AuditFilter, StoredAuditEvent};
use tessera_application::services::admin::MAX_AUDIT_PAGE;
use tessera_application::services::{ApiKeyError, KeyError};
use tessera_application::OAuthErrorCode;
use tessera_domain::{ApiKey, AuditAction, AuditOutcome, SigningAlgorithm, UnixTime};
use validator::Validate;

/// `POST /admin/keys/rotate`; no body (or no `alg`) rotates to the configured algorithm.
#[derive(Deserialize, Validate, Default)]
#[serde(deny_unknown_fields)]
struct RotateRequest {
    alg: Option<String>,
    /// Rotate even to a key JWKS caches may not know yet.
    #[serde(default)]
    force: bool,
}

/// `POST /admin/api-keys`.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct ApiKeyRequest {
    name: String,
    /// Space-separated, like an OAuth scope.
    scopes: String,
    /// Unix seconds; none: the key does not expire.
    expires_at: Option<i64>,
}

fn key_error(e: KeyError) -> AdminError {
    match e {
        KeyError::Repository(r) => r.into(),
        // 409 with the wait, also as Retry-After.
        KeyError::TooSoon(t) => ApiError::new(
            StatusCode::CONFLICT,
            OAuthErrorCode::RotationTooSoon,
            format!("{t}; set force to true in the request body to rotate now anyway"),
        )
        .with_retry_after(u64::try_from(t.wait_secs).unwrap_or(1))
        .into(),
        other => ApiError::server_error(&other).into(),
    }
}

fn api_key_error(e: ApiKeyError) -> AdminError {
    match e {
        ApiKeyError::InvalidName => bad_field("name", &ApiKeyError::InvalidName.to_string()),
        ApiKeyError::InvalidScope(s) => bad_field("scopes", &s.to_string()),
        ApiKeyError::NoScope => bad_field("scopes", &ApiKeyError::NoScope.to_string()),
        ApiKeyError::ExpiryInPast => {
            bad_field("expires_at", &ApiKeyError::ExpiryInPast.to_string())
        }
        ApiKeyError::Repository(r) => r.into(),
    }
}

// `GET /admin/keys` → every key with its effective state, newest first.
/// Lists signing keys (kid, alg, state)
#[utoipa::path(get, operation_id = "admin_keys_list", path = "/admin/keys", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The keys", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let keys = state.keys.list().await.map_err(key_error)?;
    let out: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "kid": k.kid,
                "alg": k.alg.as_str(),
                "state": k.state.as_str(),
                "created_at": k.created_at.as_secs(),
                "retire_after": k.retire_after.map(|t| t.as_secs()),
            })
        })
        .collect();
    Ok(json_ok(StatusCode::OK, &json!({ "keys": out })))
}

// `POST /admin/keys/rotate` `{"alg"?, "force"?}` → `{"kid"}` of the new active key; `409`
// when the key to become active has not been published for the JWKS cache lifetime yet.
/// Makes a new active signing key; the old one stays published
#[utoipa::path(post, operation_id = "admin_keys_rotate", path = "/admin/keys/rotate", tag = "admin",
    security(("admin_token" = [])),
    request_body = wire::AdminKeyRotate,
    responses(
        (status = 200, description = "The new key", body = Object),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 409, description = "The key to become active has not been published for the JWKS cache lifetime yet; Retry-After says when, force overrides", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn rotate(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body = rotate_request(&req, payload).await?;
    let alg = match body.alg.as_deref() {
        None => state.default_alg,
        Some(a) => SigningAlgorithm::parse(a).map_err(|e| bad_field("alg", &e.to_string()))?,
    };
    let kid = state
        .keys
        .rotate(&actor, alg, body.force)
        .await
        .map_err(key_error)?;
    Ok(json_ok(
        StatusCode::OK,
        &json!({ "kid": kid, "alg": alg.as_str() }),
    ))
}

/// The rotation request: the body is optional (a bare `POST` rotates with the defaults).
async fn rotate_request(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<RotateRequest, ApiError> {
    let has_body = req.headers().contains_key(header::CONTENT_TYPE)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    if has_body {
        read_json(req, payload).await
    } else {
        Ok(RotateRequest::default())
    }
}

fn describe_api_key(k: &ApiKey) -> Value {
    json!({
        "id": k.prefix.as_str(),
        "name": k.name,
        "scopes": k.scopes.to_string(),
        "created_at": k.created_at.as_secs(),
        "expires_at": k.expires_at.map(|t| t.as_secs()),
        "last_used_at": k.last_used_at.map(|t| t.as_secs()),
        "revoked_at": k.revoked_at.map(|t| t.as_secs()),
    })
}

// `GET /admin/api-keys` → every key (never a secret), newest first.
/// Lists admin API keys (never their secrets)
#[utoipa::path(get, operation_id = "admin_api_keys_list", path = "/admin/api-keys", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The keys", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn api_keys_list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let keys = state.api_keys.list().await.map_err(api_key_error)?;
    let out: Vec<Value> = keys.iter().map(describe_api_key).collect();
    Ok(json_ok(StatusCode::OK, &json!({ "api_keys": out })))
}

// `POST /admin/api-keys` → `201` with `key`, the full key, shown this once.
/// Creates an admin API key; the secret is shown once
#[utoipa::path(post, operation_id = "admin_api_keys_create", path = "/admin/api-keys", tag = "admin",
    security(("admin_token" = [])),
    request_body = wire::AdminApiKeyCreate,
    responses(
        (status = 201, description = "The key, with its secret", body = Object),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn api_keys_create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body: ApiKeyRequest = read_json(&req, payload).await?;
    let (key, full) = state
        .api_keys
        .create(
            &actor,
            &body.name,
            &body.scopes,
            body.expires_at.map(UnixTime::from_secs),
        )
        .await
        .map_err(api_key_error)?;
    let mut out = describe_api_key(&key);
    if let Some(fields) = out.as_object_mut() {
        fields.insert(
            "key".to_owned(),
            Value::String(full.expose_secret().to_owned()),
        );
    }
    Ok(json_ok(StatusCode::CREATED, &out))
}

// `DELETE /admin/api-keys/{id}` → `204`; `404` when there is no such live key.
/// Revokes an admin API key
#[utoipa::path(delete, operation_id = "admin_api_key_delete", path = "/admin/api-keys/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn api_keys_revoke(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    if state
        .api_keys
        .revoke(&actor, &id)
        .await
        .map_err(api_key_error)?
    {
        Ok(no_content())
    } else {
        Err(not_found("API key"))
    }
}

/// The audit listing's query: the filter, the page start (`before`, an event id) and `limit`.
struct AuditQuery {
    filter: AuditFilter,
    before: Option<i64>,
    limit: u32,
}

impl AuditQuery {
    /// Parses the query string; a bad value is `400` naming it.
    fn parse(req: &HttpRequest) -> Result<Self, AdminError> {
        let q = query(req)?;
        let text = |name: &str| q.get(name).filter(|v| !v.is_empty()).cloned();
        let action = match text("action") {
            None => None,
            Some(a) => {
                Some(AuditAction::parse(&a).ok_or_else(|| bad_field("action", "unknown action"))?)
            }
        };
        let outcome = match text("outcome") {
            None => None,
            Some(o) => Some(
                AuditOutcome::parse(&o)
                    .ok_or_else(|| bad_field("outcome", "must be success or failure"))?,
            ),
        };
        let filter = AuditFilter {
            action,
            outcome,
            subject: text("subject"),
            actor: text("actor"),
            client_id: text("client_id"),
            since: int_param::<i64>(&q, "since")?.map(UnixTime::from_secs),
            until: int_param::<i64>(&q, "until")?.map(UnixTime::from_secs),
        };
        let before = int_param::<i64>(&q, "before")?;
        let limit = int_param::<u32>(&q, "limit")?.unwrap_or(100);
        if limit == 0 || limit > MAX_AUDIT_PAGE {
            return Err(bad_field(
                "limit",
                &format!("must be between 1 and {MAX_AUDIT_PAGE}"),
            ));
        }
        Ok(Self {
            filter,
            before,
            limit,
        })
    }
}

/// An audit event as listed.
fn describe_event(s: &StoredAuditEvent) -> Value {
    let e = &s.event;
    json!({
        "id": s.id,
        "at": e.at.as_secs(),
        "action": e.action.as_str(),
        "outcome": e.outcome.as_str(),
        "actor": e.actor,
        "subject": e.subject,
        "client_id": e.client_id,
        "ip": e.ip,
        "detail": e.detail,
    })
}

// `GET /admin/audit?action=&outcome=&subject=&actor=&client_id=&since=&until=&before=&limit=`
// → `{"events": [...], "next_before": id|null}`, newest first.
/// The audit log, newest first, a page at a time
#[utoipa::path(get, operation_id = "admin_audit", path = "/admin/audit", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"events\": [...], \"next\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn audit_list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let q = AuditQuery::parse(&req)?;
    let events = state.audit.list(&q.filter, q.before, q.limit).await?;
    let next_before = (events.len() == q.limit as usize)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    let out: Vec<Value> = events.iter().map(describe_event).collect();
    Ok(json_ok(
        StatusCode::OK,
        &json!({ "events": out, "next_before": next_before }),
    ))
}
