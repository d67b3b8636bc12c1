//! The signed-in user's own account: `GET`, `PATCH` and `DELETE /users/me`,
//! `POST /users/me/password`, with an account API bearer token from `/users/login`.

use super::audit_trail;
use super::errors::ApiError;
use super::json_body::{field_error, password_length, read_json};
use super::state::AccountState;
use super::users::{sign_in_budget, signed_in_user};
use crate::http::wire;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tessera_application::services::AccountChangeError;
use tessera_application::OAuthErrorCode;
use tessera_domain::User;
use validator::Validate;

// `GET /users/me` with an account API bearer token → the profile.
/// The signed-in user's profile
#[utoipa::path(get, operation_id = "users_me_get", path = "/users/me", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The profile", body = wire::Profile),
        (status = 400, description = "Malformed Authorization header", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Not an account API token", body = wire::ErrorBody),
    ))]
pub async fn me_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    match signed_in_user(&req, &state).await {
        Ok(user) => profile(&user),
        Err(res) => res,
    }
}

/// `PATCH /users/me`.
#[derive(Deserialize, Validate)]
struct ProfilePatch {
    /// Required: a string sets the name, `null` clears it.
    /// Checked by the service (one rule, in the domain).
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
}

/// Tells `"name": null` (`Some(None)`) from a missing field (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

// `PATCH /users/me` `{"name": "..." | null}` → `200` with the updated profile.
/// Sets or clears the display name
#[utoipa::path(patch, operation_id = "users_me_patch", path = "/users/me", tag = "account",
    security(("access_token" = [])),
    request_body = wire::ProfilePatch,
    responses(
        (status = 200, description = "The updated profile", body = wire::Profile),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Not an account API token", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
    ))]
pub async fn me_patch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let result = async {
        let body: ProfilePatch = read_json(&req, payload).await?;
        let name = body.name.ok_or_else(|| {
            field_error("name", "name is required (a string, or null to clear it)")
        })?;
        state
            .account_settings
            .update_name(&user, name)
            .await
            .map_err(change_error)
    }
    .await;
    match result {
        Ok(user) => profile(&user),
        Err(e) => e.error_response(),
    }
}

/// `POST /users/me/password`.
#[derive(Deserialize, Validate)]
struct PasswordChange {
    /// Checked by [`password_length`].
    current_password: SecretString,
    /// Checked by [`password_length`].
    new_password: SecretString,
}

impl PasswordChange {
    /// Both passwords present and of a length worth hashing, or `400` naming the field.
    fn checked(self) -> Result<Self, ApiError> {
        password_length(&self.current_password)
            .map_err(|_| field_error("current_password", "current_password is required"))?;
        password_length(&self.new_password).map_err(|_| {
            field_error(
                "new_password",
                "new_password is required and at most 1024 characters",
            )
        })?;
        Ok(self)
    }
}

// `POST /users/me/password` `{"current_password","new_password"}` → `204`; every session and
// refresh token of the user ends (sign in again with the new password).
/// Changes the password; every session and refresh token ends
#[utoipa::path(post, operation_id = "users_me_password", path = "/users/me/password", tag = "account",
    security(("access_token" = [])),
    request_body = wire::PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Wrong current password (`invalid_credentials`)", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn me_password_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state).await {
        return e.error_response();
    }
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    let result = async {
        let body = read_json::<PasswordChange>(&req, payload)
            .await?
            .checked()?;
        let changed = state
            .account_settings
            .change_password(&ctx, &user, body.current_password, body.new_password)
            .await;
        match changed {
            Ok(()) => Ok(()),
            Err(e) => Err(counted_change_error(&req, &state, e).await),
        }
    }
    .await;
    match result {
        Ok(()) => no_content(),
        Err(e) => e.error_response(),
    }
}

/// `DELETE /users/me`.
#[derive(Deserialize, Validate)]
struct AccountDeletion {
    /// Checked by [`password_length`].
    password: SecretString,
}

// `DELETE /users/me` `{"password"}` → `204`; the account and everything hanging off it are
// gone, and its tokens stop working.
/// Deletes the account (password required)
#[utoipa::path(delete, operation_id = "users_me_delete", path = "/users/me", tag = "account",
    security(("access_token" = [])),
    request_body = wire::AccountDeletion,
    responses(
        (status = 204, description = "Deleted; its tokens stop working"),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Wrong password (`invalid_credentials`) or not an account API token", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn me_delete(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state).await {
        return e.error_response();
    }
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    let result = async {
        let body: AccountDeletion = read_json(&req, payload).await?;
        password_length(&body.password)?;
        let changed = state
            .account_settings
            .delete_account(&ctx, &user, body.password)
            .await;
        match changed {
            Ok(()) => Ok(()),
            Err(e) => Err(counted_change_error(&req, &state, e).await),
        }
    }
    .await;
    match result {
        Ok(()) => no_content(),
        Err(e) => e.error_response(),
    }
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn profile(user: &User) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({
            "id": user.id.as_str(),
            "email": user.email.as_str(),
            "email_verified": user.email_verified,
            "name": user.name,
            "created_at": user.created_at.as_secs(),
        }))
}

/// A refused change. A wrong current password and a locked account are `403` with one error
/// code (the caller is already authenticated, so there is nothing to enumerate); the lock
/// adds `Retry-After`.
fn change_error(e: AccountChangeError) -> ApiError {
    let wrong = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            OAuthErrorCode::InvalidCredentials,
            AccountChangeError::WrongPassword.to_string(),
        )
    };
    match e {
        AccountChangeError::WrongPassword => wrong(),
        AccountChangeError::Locked { retry_after_secs } => {
            wrong().with_retry_after(u64::try_from(retry_after_secs).unwrap_or(1))
        }
        AccountChangeError::Password(p) => field_error("new_password", &p.to_string()),
        AccountChangeError::Name => field_error("name", &AccountChangeError::Name.to_string()),
        AccountChangeError::Gone => ApiError::new(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidToken,
            "the account no longer exists",
        ),
        AccountChangeError::Busy => ApiError::unavailable(),
        AccountChangeError::Hasher(d) => ApiError::server_error(&d),
        AccountChangeError::SignIn(d) => ApiError::server_error(&d),
        AccountChangeError::Repository(r) => r.into(),
    }
}

/// [`change_error`], spending from the address's failure budget when the password was wrong.
async fn counted_change_error(
    req: &HttpRequest,
    state: &AccountState,
    e: AccountChangeError,
) -> ApiError {
    if matches!(
        e,
        AccountChangeError::WrongPassword | AccountChangeError::Locked { .. }
    ) {
        state.limiter.sign_in_failed(req).await;
    }
    change_error(e)
}
