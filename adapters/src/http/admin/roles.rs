//! `/admin/users/{id}/roles`: the roles a user holds (`admin` opens the operators' console).
//! `PUT` replaces them; every grant and revocation is audited with the caller.

use super::super::users::read_json;
use super::{authorise, bad_field, json_ok, not_found, AdminError, AdminState};
use crate::http::wire;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tessera_application::services::admin::AdminUserError;
use tessera_domain::Role;
use validator::Validate;

/// `PUT /admin/users/{id}/roles`.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct RolesRequest {
    roles: Vec<String>,
}

fn role_error(e: AdminUserError) -> AdminError {
    match e {
        AdminUserError::NotFound => not_found("user"),
        AdminUserError::Repository(r) => r.into(),
        other => crate::http::errors::ApiError::server_error(&other).into(),
    }
}

fn answer(roles: &[Role]) -> HttpResponse {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    json_ok(StatusCode::OK, &json!({ "roles": names }))
}

// `GET /admin/users/{id}/roles` → `{"roles": [...]}`.
/// The roles a user holds
#[utoipa::path(get, operation_id = "admin_user_roles_get", path = "/admin/users/{id}/roles", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "`{\"roles\": [\"admin\"]}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let roles = state.roles.roles_of(&id).await.map_err(role_error)?;
    Ok(answer(&roles))
}

// `PUT /admin/users/{id}/roles` with `{"roles": ["admin"]}` → the roles now held.
/// Sets the roles a user holds (`admin`: the operators' console)
#[utoipa::path(put, operation_id = "admin_user_roles_put", path = "/admin/users/{id}/roles", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    request_body = wire::AdminUserRoles,
    responses(
        (status = 200, description = "`{\"roles\": [...]}`, the roles now held", body = Object),
        (status = 400, description = "An unknown role", body = wire::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn put(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let body: RolesRequest = read_json(&req, payload).await?;
    let roles = body
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_field("roles", &e.to_string()))?;
    let held = state
        .roles
        .set(&actor, &id, &roles)
        .await
        .map_err(role_error)?;
    Ok(answer(&held))
}
