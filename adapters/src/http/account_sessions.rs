//! The signed-in person's own browser sessions and connected apps over JSON, with an account
//! API bearer token from `/users/login`: the same actions as the account page.

use super::state::AccountState;
use super::users::signed_in_user;
use super::{audit_trail, wire};
use crate::http::errors::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use tessera_application::services::{ConnectedApp, SessionView};

/// The JSON shape of one session.
pub(crate) fn session_body(s: &SessionView) -> wire::SessionBody {
    wire::SessionBody {
        id: s.id.clone(),
        signed_in_at: s.auth_time.as_secs(),
        expires_at: s.expires_at.as_secs(),
        amr: s.amr.amr(),
        current: s.current,
    }
}

/// The JSON shape of one app.
pub(crate) fn app_body(a: &ConnectedApp) -> wire::ConnectedAppBody {
    wire::ConnectedAppBody {
        client_id: a.client_id.as_str().to_owned(),
        name: a.name.clone(),
        scope: a.scope.to_string(),
        granted_at: a.granted_at.as_secs(),
    }
}

fn private_json<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

// `GET /users/me/sessions` → the live browser sessions.
/// The signed-in person's live browser sessions
#[utoipa::path(get, operation_id = "users_me_sessions", path = "/users/me/sessions", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "Newest sign-in first", body = [wire::SessionBody]),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Not an account API token", body = wire::ErrorBody),
    ))]
pub async fn sessions_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    match state
        .account_sessions
        .sessions(&user.id, None, state.clock.now())
        .await
    {
        Ok(list) => private_json(&list.iter().map(session_body).collect::<Vec<_>>()),
        Err(e) => ApiError::from(e).error_response(),
    }
}

// `DELETE /users/me/sessions/{id}` → `204`, or `404` for no such session of this person.
/// Signs one browser session out
#[utoipa::path(delete, operation_id = "users_me_session_delete", path = "/users/me/sessions/{id}", tag = "account",
    security(("access_token" = [])),
    params(("id" = String, Path, description = "The session's public id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 404, description = "No such session of this person", body = wire::ErrorBody),
    ))]
pub async fn session_delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AccountState>,
) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    match state
        .account_sessions
        .end_session(&ctx, &user.id, &path)
        .await
    {
        Ok(true) => HttpResponse::NoContent().finish(),
        Ok(false) => ApiError::not_found().error_response(),
        Err(e) => ApiError::from(e).error_response(),
    }
}

// `GET /users/me/apps` → the remembered consents.
/// The apps the signed-in person let in
#[utoipa::path(get, operation_id = "users_me_apps", path = "/users/me/apps", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "By client id", body = [wire::ConnectedAppBody]),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Not an account API token", body = wire::ErrorBody),
    ))]
pub async fn apps_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    match state.account_sessions.apps(&user.id).await {
        Ok(list) => private_json(&list.iter().map(app_body).collect::<Vec<_>>()),
        Err(e) => ApiError::from(e).error_response(),
    }
}

// `DELETE /users/me/apps/{client_id}` → `204`: the consent, refresh tokens, pending codes and
// access tokens of that app end; `404` when there is nothing to withdraw.
/// Withdraws an app's access
#[utoipa::path(delete, operation_id = "users_me_app_delete", path = "/users/me/apps/{client_id}", tag = "account",
    security(("access_token" = [])),
    params(("client_id" = String, Path)),
    responses(
        (status = 204, description = "Withdrawn, tokens included"),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 404, description = "This person never let that app in", body = wire::ErrorBody),
    ))]
pub async fn app_delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AccountState>,
) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    match state
        .account_sessions
        .revoke_app(&ctx, &user.id, &path)
        .await
    {
        Ok(true) => HttpResponse::NoContent().finish(),
        Ok(false) => ApiError::not_found().error_response(),
        Err(e) => ApiError::from(e).error_response(),
    }
}
