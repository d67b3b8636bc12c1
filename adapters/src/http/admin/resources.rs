//! `/admin/resources`: the registry of protected resources (RFC 8707). An identifier is a URI
//! with slashes and its own query, so `DELETE` names it in the `identifier` query parameter
//! rather than in a path segment.

use super::super::users::read_json;
use super::{authorise, bad_field, json_ok, no_content, query, AdminError, AdminState};
use crate::http::errors::ApiError;
use crate::http::wire;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use tessera_application::services::{NewResource, ResourceRegistryError};
use tessera_application::OAuthErrorCode;
use tessera_domain::Resource;
use validator::Validate;

/// `POST /admin/resources`.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    identifier: String,
    name: Option<String>,
    scope: Option<String>,
    #[serde(default)]
    clients: Vec<String>,
}

/// A resource as shown.
fn describe(r: &Resource) -> Value {
    json!({
        "identifier": r.identifier.as_str(),
        "name": r.name,
        "scope": r.scope.to_string(),
        "clients": r.clients.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "created_at": r.created_at.as_secs(),
    })
}

fn resource_error(e: ResourceRegistryError) -> AdminError {
    match e {
        ResourceRegistryError::Invalid { field, message, .. } => bad_field(field, &message),
        e @ ResourceRegistryError::Duplicate(_) => ApiError::new(
            StatusCode::CONFLICT,
            OAuthErrorCode::Conflict,
            e.to_string(),
        )
        .into(),
        e @ ResourceRegistryError::NotFound(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            OAuthErrorCode::NotFound,
            e.to_string(),
        )
        .into(),
        ResourceRegistryError::Repository(r) => r.into(),
    }
}

// `GET /admin/resources` → every resource, oldest first.
/// Lists protected resources (RFC 8707)
#[utoipa::path(get, operation_id = "admin_resources_list", path = "/admin/resources", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"resources\": [{identifier, name, scope, created_at}]}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let all = state.resources.list().await.map_err(resource_error)?;
    let out: Vec<Value> = all.iter().map(describe).collect();
    Ok(json_ok(StatusCode::OK, &json!({ "resources": out })))
}

// `POST /admin/resources` → `201`; `409` when the identifier is taken.
/// Registers a protected resource (RFC 8707)
#[utoipa::path(post, operation_id = "admin_resources_create", path = "/admin/resources", tag = "admin",
    security(("admin_token" = [])),
    request_body = wire::AdminResourceCreate,
    responses(
        (status = 201, description = "The resource", body = Object),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 409, description = "A resource with this identifier exists", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body: CreateRequest = read_json(&req, payload).await?;
    let created = state
        .resources
        .create(
            &actor,
            NewResource {
                identifier: body.identifier,
                name: body.name,
                scope: body.scope,
                clients: body.clients,
            },
        )
        .await
        .map_err(resource_error)?;
    Ok(json_ok(StatusCode::CREATED, &describe(&created)))
}

// `DELETE /admin/resources?identifier=URI` → `204`; `404` when none has it.
/// Removes a protected resource; tokens already issued for it stay valid until they expire
#[utoipa::path(delete, operation_id = "admin_resources_delete", path = "/admin/resources", tag = "admin",
    security(("admin_token" = [])),
    params(("identifier" = String, Query, description = "The resource identifier, exactly as registered (percent-encoded)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "No identifier given", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn delete(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let q = query(&req)?;
    let Some(identifier) = q.get("identifier").filter(|v| !v.is_empty()) else {
        return Err(bad_field("identifier", "is required"));
    };
    state
        .resources
        .delete(&actor, identifier)
        .await
        .map_err(resource_error)?;
    Ok(no_content())
}
