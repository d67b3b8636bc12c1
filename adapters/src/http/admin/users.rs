//! `/admin/users`: listing, one user, disable/enable/unlock/delete, forced password reset,
//! consents and sessions.

use super::{
    authorise, bad_field, int_param, json_ok, no_content, not_found, query, AdminError, AdminState,
};
use crate::http::errors::ApiError;
use crate::http::wire;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use tessera_application::services::admin::{Actor, AdminUserError, AdminUsers, MAX_PAGE};
use tessera_domain::{Consent, User};

/// Page size when `limit` is not given.
const DEFAULT_LIMIT: u32 = 50;
/// Longest `email` search accepted.
const MAX_SEARCH_CHARS: usize = 320;

/// A user as shown: never the password hash.
fn describe(u: &User) -> Value {
    json!({
        "id": u.id.as_str(),
        "email": u.email.as_str(),
        "email_verified": u.email_verified,
        "name": u.name,
        "disabled": u.disabled,
        "created_at": u.created_at.as_secs(),
        "failed_logins": u.login_attempts.failed,
        "locked_until": u.login_attempts.locked_until.map(|t| t.as_secs()),
    })
}

fn describe_consent(c: &Consent) -> Value {
    json!({
        "client_id": c.client_id.as_str(),
        "scope": c.scope.to_string(),
        "granted_at": c.granted_at.as_secs(),
    })
}

fn user_error(e: AdminUserError) -> AdminError {
    match e {
        AdminUserError::NotFound => not_found("user"),
        AdminUserError::ConsentNotFound => not_found("consent"),
        AdminUserError::Limit => bad_field("limit", &AdminUserError::Limit.to_string()),
        AdminUserError::Link(e) => ApiError::server_error(&e).into(),
        AdminUserError::Repository(r) => r.into(),
        AdminUserError::SecondFactor(e) => crate::http::account_mfa::second_factor_error(e).into(),
    }
}

/// The listing's query: `after`, `email` (a search) and `limit`, each checked.
struct ListQuery {
    after: Option<String>,
    email: Option<String>,
    limit: u32,
}

impl ListQuery {
    /// Parses the query string; a bad value is `400` naming it.
    fn parse(req: &HttpRequest) -> Result<Self, AdminError> {
        let q = query(req)?;
        let limit = int_param::<u32>(&q, "limit")?.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_PAGE {
            return Err(bad_field(
                "limit",
                &format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let email = q.get("email").cloned().filter(|e| !e.is_empty());
        if email.as_ref().is_some_and(|e| {
            e.chars().count() > MAX_SEARCH_CHARS || e.chars().any(char::is_control)
        }) {
            return Err(bad_field(
                "email",
                "search text is too long or not printable",
            ));
        }
        let after = q.get("after").cloned().filter(|a| !a.is_empty());
        Ok(Self {
            after,
            email,
            limit,
        })
    }
}

// `GET /admin/users?limit=&after=&email=` → `{"users": [...], "next": after-value|null}`.
/// Lists users, a page at a time
#[utoipa::path(get, operation_id = "admin_users_list", path = "/admin/users", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"users\": [...], \"next\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let q = ListQuery::parse(&req)?;
    let page = state
        .users
        .list(q.after, q.email, q.limit)
        .await
        .map_err(user_error)?;
    let users: Vec<Value> = page.users.iter().map(describe).collect();
    Ok(json_ok(
        StatusCode::OK,
        &json!({ "users": users, "next": page.next }),
    ))
}

// `GET /admin/users/{id}`.
/// One user
#[utoipa::path(get, operation_id = "admin_user_get", path = "/admin/users/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let user = state.users.get(&id).await.map_err(user_error)?;
    Ok(json_ok(StatusCode::OK, &describe(&user)))
}

/// Runs one state-changing user operation and answers `204`.
async fn act<'a, F, Fut>(
    req: HttpRequest,
    state: &'a AdminState,
    op: F,
) -> Result<HttpResponse, AdminError>
where
    F: FnOnce(&'a AdminUsers, Actor) -> Fut,
    Fut: std::future::Future<Output = Result<(), AdminUserError>>,
{
    let actor = authorise(&req, state).await?;
    op(&state.users, actor).await.map_err(user_error)?;
    Ok(no_content())
}

// `DELETE /admin/users/{id}`: signs the user out everywhere, then deletes the account.
/// Deletes a user and everything hanging off it
#[utoipa::path(delete, operation_id = "admin_user_delete", path = "/admin/users/{id}", tag = "admin",
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
    act(req, &state, |u, a| async move { u.delete(&a, &id).await }).await
}

// `POST /admin/users/{id}/disable`: also signs the user out everywhere.
/// Disables a user: sign-in refused, sessions and tokens end
#[utoipa::path(post, operation_id = "admin_user_disable", path = "/admin/users/{id}/disable", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn disable(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    act(req, &state, |u, a| async move { u.disable(&a, &id).await }).await
}

// `POST /admin/users/{id}/enable`.
/// Enables a disabled user
#[utoipa::path(post, operation_id = "admin_user_enable", path = "/admin/users/{id}/enable", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn enable(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    act(req, &state, |u, a| async move { u.enable(&a, &id).await }).await
}

// `POST /admin/users/{id}/unlock`: forgets failed sign-ins and lifts a lockout.
/// Clears a sign-in lockout
#[utoipa::path(post, operation_id = "admin_user_unlock", path = "/admin/users/{id}/unlock", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn unlock(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    act(req, &state, |u, a| async move { u.unlock(&a, &id).await }).await
}

// `POST /admin/users/{id}/password-reset`: the password stops working and a reset link is
// mailed.
/// Mails the user a password-reset link
#[utoipa::path(post, operation_id = "admin_user_password_reset", path = "/admin/users/{id}/password-reset", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "Sent", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn password_reset(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    act(req, &state, |u, a| async move {
        u.force_password_reset(&a, &id).await
    })
    .await
}

// `POST /admin/users/{id}/mfa/reset`: removes every second factor; audited, mailed.
/// Resets the user's second factors (TOTP, recovery codes, passkeys)
#[utoipa::path(post, operation_id = "admin_user_mfa_reset", path = "/admin/users/{id}/mfa/reset", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Every second factor is gone; the owner is mailed"),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn mfa_reset(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    act(
        req,
        &state,
        |u, a| async move { u.reset_mfa(&a, &id).await },
    )
    .await
}

// `GET /admin/users/{id}/consents`.
/// The user's consents
#[utoipa::path(get, operation_id = "admin_user_consents", path = "/admin/users/{id}/consents", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The consents", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn consents(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    authorise(&req, &state).await?;
    let consents = state.users.consents(&id).await.map_err(user_error)?;
    let out: Vec<Value> = consents.iter().map(describe_consent).collect();
    Ok(json_ok(StatusCode::OK, &json!({ "consents": out })))
}

// `DELETE /admin/users/{id}/consents/{client_id}`: with the client's tokens for the user.
/// Withdraws one consent
#[utoipa::path(delete, operation_id = "admin_user_consent_delete", path = "/admin/users/{id}/consents/{client_id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path), ("client_id" = String, Path)),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn revoke_consent(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let (id, client) = path.into_inner();
    act(req, &state, |u, a| async move {
        u.revoke_consent(&a, &id, &client).await
    })
    .await
}

// `DELETE /admin/users/{id}/sessions` → `{"sessions": n, "grants": n}` ended.
/// Ends every session and refresh token of the user
#[utoipa::path(delete, operation_id = "admin_user_sessions_delete", path = "/admin/users/{id}/sessions", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Ended: `{\"sessions\": n, \"grants\": n}`, how many sessions and grants ended"),
        (status = 401, description = "Missing or wrong admin token", body = wire::ErrorBody),
        (status = 404, description = "No such object", body = wire::ErrorBody),
    ))]
pub(in crate::http) async fn revoke_sessions(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AdminState>,
) -> Result<HttpResponse, AdminError> {
    let actor = authorise(&req, &state).await?;
    let (sessions, grants) = state
        .users
        .revoke_sessions(&actor, &id)
        .await
        .map_err(user_error)?;
    Ok(json_ok(
        StatusCode::OK,
        &json!({ "sessions": sessions, "grants": grants }),
    ))
}
