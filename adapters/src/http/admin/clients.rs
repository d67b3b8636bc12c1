//! `/admin/clients`: list, create, get, update, delete, rotate the secret.

use super::super::users::read_json;
use super::{authorise, bad_field, json_ok, no_content, not_found, AdminError, AdminState};
use crate::http::errors::ApiError;
use crate::http::wire;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};
use tessera_application::services::admin::{AdminClientError, ClientUpdate};
use tessera_application::services::NewClient;
use tessera_application::OAuthErrorCode;
use tessera_domain::{Client, ClientJwks};
use validator::Validate;

/// `POST /admin/clients`.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: String,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    scope: String,
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    public: bool,
    #[serde(default, alias = "trusted")]
    skip_consent: bool,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default)]
    exchange_audiences: Vec<String>,
    /// The client's JWK Set, by value (a JSON object).
    jwks: Option<Value>,
    jwks_uri: Option<String>,
    #[serde(default)]
    require_pushed_authorization_requests: bool,
    #[serde(default)]
    dpop_bound_access_tokens: bool,
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
    profile: Option<String>,
}

/// `PATCH /admin/clients/{id}`: absent fields stay as they are.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    name: Option<String>,
    grant_types: Option<Vec<String>>,
    redirect_uris: Option<Vec<String>>,
    post_logout_redirect_uris: Option<Vec<String>>,
    scope: Option<String>,
    #[serde(alias = "trusted")]
    skip_consent: Option<bool>,
    require_mfa: Option<bool>,
    exchange_audiences: Option<Vec<String>>,
}

/// A client as shown: everything but the secret digest.
pub(super) fn describe(c: &Client) -> Value {
    json!({
        "client_id": c.id.as_str(),
        "name": c.name,
        "public": c.is_public(),
        "token_endpoint_auth_method": c.auth_method.as_str(),
        "grant_types": c.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "redirect_uris": c.redirect_uris.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "post_logout_redirect_uris":
            c.post_logout_redirect_uris.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "scope": c.scope.to_string(),
        "skip_consent": c.skip_consent,
        "require_mfa": c.require_mfa,
        "exchange_audiences":
            c.exchange_audiences.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "created_at": c.created_at.as_secs(),
        "origin": c.origin.as_str(),
        "application_type": c.application_type.as_str(),
        "jwks_uri": match &c.security.jwks { ClientJwks::Uri(u) => Some(u.as_str()), _ => None },
        "jwks": match &c.security.jwks {
            ClientJwks::Inline(doc) => serde_json::from_str::<Value>(doc).ok(),
            _ => None,
        },
        "require_pushed_authorization_requests": c.security.require_par,
        "dpop_bound_access_tokens": c.security.require_dpop,
        "backchannel_logout_uri": c.security.backchannel_logout_uri,
        "backchannel_logout_session_required": c.security.backchannel_logout_session_required,
        "profile": c.security.profile.as_str(),
    })
}

fn client_error(e: AdminClientError) -> AdminError {
    match e {
        AdminClientError::NotFound => not_found("client"),
        AdminClientError::PublicClient => ApiError::new(
            StatusCode::CONFLICT,
            OAuthErrorCode::InvalidRequest,
            "a public client has no secret to rotate",
        )
        .into(),
        AdminClientError::KeyClient => ApiError::new(
            StatusCode::CONFLICT,
            OAuthErrorCode::InvalidRequest,
            "a private_key_jwt client has no secret to rotate",
        )
        .into(),
        AdminClientError::Invalid { field, message, .. } => bad_field(field, &message),
        AdminClientError::Repository(r) => r.into(),
    }
}

// `GET /admin/clients`.
/// Lists clients
#[utoipa::path(get, operation_id = "admin_clients_list", path = "/admin/clients", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The clients", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let clients = state.clients.list().await.map_err(client_error)?;
    let out: Vec<Value> = clients.iter().map(describe).collect();
    Ok(json_ok(StatusCode::OK, &json!({ "clients": out })))
}

// `POST /admin/clients` → `201`, with `client_secret` for confidential clients: shown
// this once.
/// Registers a client; the secret is shown once
#[utoipa::path(post, operation_id = "admin_clients_create", path = "/admin/clients", tag = "admin",
    security(("admin_token" = [])),
    request_body = wire::AdminClientCreate,
    responses(
        (status = 201, description = "The client, with `client_secret` for confidential clients", body = Object),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body: CreateRequest = read_json(&req, payload).await?;
    let registered = state
        .clients
        .create(
            &actor,
            NewClient {
                jwks: body.jwks.as_ref().map(Value::to_string),
                jwks_uri: body.jwks_uri,
                require_par: body.require_pushed_authorization_requests,
                require_dpop: body.dpop_bound_access_tokens,
                backchannel_logout_uri: body.backchannel_logout_uri,
                backchannel_logout_session_required: body.backchannel_logout_session_required,
                profile: body.profile,
                name: body.name,
                grants: body.grant_types,
                redirect_uris: body.redirect_uris,
                post_logout_redirect_uris: body.post_logout_redirect_uris,
                scope: body.scope,
                auth_method: body.token_endpoint_auth_method,
                public: body.public,
                skip_consent: body.skip_consent,
                require_mfa: body.require_mfa,
                exchange_audiences: body.exchange_audiences,
            },
        )
        .await
        .map_err(client_error)?;
    let mut out = describe(&registered.client);
    if let (Some(secret), Some(fields)) = (&registered.secret, out.as_object_mut()) {
        fields.insert(
            "client_secret".to_owned(),
            Value::String(secret.expose_secret().to_owned()),
        );
    }
    Ok(json_ok(StatusCode::CREATED, &out))
}

// `GET /admin/clients/{id}`.
/// One client
#[utoipa::path(get, operation_id = "admin_client_get", path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The client", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let client = state.clients.get(&id).await.map_err(client_error)?;
    Ok(json_ok(StatusCode::OK, &describe(&client)))
}

// `PATCH /admin/clients/{id}`: redirect URIs, grants, scope, name, trusted flag.
/// Changes a client; only the fields present change
#[utoipa::path(patch, operation_id = "admin_client_patch", path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    request_body = wire::AdminClientUpdate,
    responses(
        (status = 200, description = "The updated client", body = Object),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn update(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body: UpdateRequest = read_json(&req, payload).await?;
    let client = state
        .clients
        .update(
            &actor,
            &id,
            ClientUpdate {
                name: body.name,
                redirect_uris: body.redirect_uris,
                post_logout_redirect_uris: body.post_logout_redirect_uris,
                grants: body.grant_types,
                scope: body.scope,
                skip_consent: body.skip_consent,
                require_mfa: body.require_mfa,
                exchange_audiences: body.exchange_audiences,
            },
        )
        .await
        .map_err(client_error)?;
    Ok(json_ok(StatusCode::OK, &describe(&client)))
}

// `DELETE /admin/clients/{id}` → `204`.
/// Deletes a client
#[utoipa::path(delete, operation_id = "admin_client_delete", path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn delete(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    state
        .clients
        .delete(&actor, &id)
        .await
        .map_err(client_error)?;
    Ok(no_content())
}

// `POST /admin/clients/{id}/secret` → the new secret, shown this once; the old one stops
// working.
/// Replaces a confidential client's secret; shown once
#[utoipa::path(post, operation_id = "admin_client_secret", path = "/admin/clients/{id}/secret", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "`{\"client_id\",\"client_secret\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn rotate_secret(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let secret = state
        .clients
        .rotate_secret(&actor, &id)
        .await
        .map_err(client_error)?;
    Ok(json_ok(
        StatusCode::OK,
        &json!({ "client_id": id.as_str(), "client_secret": secret.expose_secret() }),
    ))
}
