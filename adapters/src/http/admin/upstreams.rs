//! `/admin/upstreams`: the upstream identity providers people can sign in through. The
//! client secret goes in once and is never shown again (it is stored encrypted).

use super::super::users::read_json;
use super::{authorise, bad_field, json_ok, no_content, AdminError, AdminState};
use crate::http::errors::ApiError;
use crate::http::wire;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};
use tessera_application::services::{NewUpstream, UpstreamRegistry, UpstreamRegistryError};
use tessera_application::OAuthErrorCode;
use tessera_domain::Upstream;
use validator::Validate;

/// `POST /admin/upstreams`.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    id: Option<String>,
    name: String,
    kind: Option<String>,
    issuer: Option<String>,
    api_base: Option<String>,
    client_id: String,
    client_secret: SecretString,
    scope: Option<String>,
    email_claim: Option<String>,
    name_claim: Option<String>,
}

/// An upstream as shown: everything but the secret.
pub(in crate::http) fn describe(registry: &UpstreamRegistry, u: &Upstream) -> Value {
    json!({
        "id": u.id.as_str(),
        "name": u.name,
        "kind": u.kind.as_str(),
        "issuer": u.issuer.as_str(),
        "api_base": u.api_base.as_ref().map(|a| a.as_str()),
        "client_id": u.client_id,
        "scope": u.scope.to_string(),
        "email_claim": u.claims.email(),
        "name_claim": u.claims.name(),
        "redirect_uri": registry.redirect_uri(u),
        "created_at": u.created_at.as_secs(),
    })
}

fn upstream_error(e: UpstreamRegistryError) -> AdminError {
    match e {
        UpstreamRegistryError::Invalid { field, message } => bad_field(field, &message),
        e @ UpstreamRegistryError::NotFound(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            OAuthErrorCode::NotFound,
            e.to_string(),
        )
        .into(),
        UpstreamRegistryError::Crypto(c) => ApiError::server_error(&c).into(),
        UpstreamRegistryError::Repository(r) => r.into(),
    }
}

// `GET /admin/upstreams` → every upstream, oldest first.
/// Lists upstream identity providers
#[utoipa::path(get, operation_id = "admin_upstreams_list", path = "/admin/upstreams", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"upstreams\": [{id, name, kind, issuer, client_id, scope, redirect_uri, ...}]}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let all = state.upstreams.list().await.map_err(upstream_error)?;
    let out: Vec<Value> = all.iter().map(|u| describe(&state.upstreams, u)).collect();
    Ok(json_ok(StatusCode::OK, &json!({ "upstreams": out })))
}

// `POST /admin/upstreams` → `201` with the redirect URI to register at the upstream.
/// Registers an upstream identity provider
#[utoipa::path(post, operation_id = "admin_upstreams_create", path = "/admin/upstreams", tag = "admin",
    security(("admin_token" = [])),
    request_body = wire::AdminUpstreamCreate,
    responses(
        (status = 201, description = "The upstream (without its secret) and its `redirect_uri`", body = Object),
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
    let created = state
        .upstreams
        .create(
            &actor,
            NewUpstream {
                id: body.id,
                name: body.name,
                kind: body.kind,
                issuer: body.issuer,
                api_base: body.api_base,
                client_id: body.client_id,
                client_secret: body.client_secret,
                scope: body.scope,
                email_claim: body.email_claim,
                name_claim: body.name_claim,
            },
        )
        .await
        .map_err(upstream_error)?;
    Ok(json_ok(
        StatusCode::CREATED,
        &describe(&state.upstreams, &created),
    ))
}

// `DELETE /admin/upstreams/{id}` → `204`; `404` when none has it.
/// Removes an upstream identity provider and every account link to it
#[utoipa::path(delete, operation_id = "admin_upstreams_delete", path = "/admin/upstreams/{id}", tag = "admin",
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
        .upstreams
        .delete(&actor, &id)
        .await
        .map_err(upstream_error)?;
    Ok(no_content())
}
