//! Passkeys over JSON: registration and management of the signed-in account's passkeys, and
//! the passwordless sign-in (`/users/login/passkey*`, also what the login page's button
//! fetches its options from).

use super::{
    bad_field, context, count_refusal, freshly_signed_in, passkey_body, second_factor_error,
};
use crate::http::errors::ApiError;
use crate::http::json_body::read_json;
use crate::http::state::AccountState;
use crate::http::users::{login_error, sign_in_budget, token_response};
use crate::http::wire;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tessera_application::services::PasskeyChallenge;
use tessera_domain::AuthMethods;
use validator::Validate;

/// The name a passkey gets when none is given.
pub const DEFAULT_PASSKEY_NAME: &str = "Passkey";

#[derive(Deserialize, Validate)]
struct Registration {
    handle: SecretString,
    #[validate(length(max = 256, message = "name is too long"))]
    name: Option<String>,
    response: serde_json::Value,
}

#[derive(Deserialize, Validate)]
struct Rename {
    #[validate(length(max = 256, message = "name is too long"))]
    name: String,
}

#[derive(Deserialize, Validate)]
struct Login {
    handle: SecretString,
    response: serde_json::Value,
}

/// A started ceremony as JSON: the handle and the browser's options.
pub(crate) fn options_response(challenge: &PasskeyChallenge) -> Result<HttpResponse, ApiError> {
    let options: serde_json::Value = serde_json::from_str(&challenge.options)
        .map_err(|e| ApiError::server_error(&format!("passkey options: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(wire::PasskeyOptionsBody {
            handle: challenge.handle.expose_secret(),
            options,
        }))
}

// `POST /users/me/mfa/passkeys/options` → `{"handle", "options"}` for
// `navigator.credentials.create`.
/// Starts registering a passkey
#[utoipa::path(post, operation_id = "users_me_passkeys_options", path = "/users/me/mfa/passkeys/options", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The WebAuthn creation options and the ceremony's handle (5 minutes, single use)", body = wire::PasskeyOptionsBody),
        (status = 400, description = "Passkeys need an issuer with a host name", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
    ))]
pub async fn me_passkeys_options_post(
    req: HttpRequest,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let user = freshly_signed_in(&req, &state).await?;
    let challenge = state
        .second_factors
        .start_passkey_registration(&user)
        .await
        .map_err(second_factor_error)?;
    options_response(&challenge)
}

// `POST /users/me/mfa/passkeys` `{"handle", "name"?, "response"}` → `201` the passkey.
/// Finishes registering a passkey
#[utoipa::path(post, operation_id = "users_me_passkeys", path = "/users/me/mfa/passkeys", tag = "account",
    security(("access_token" = [])),
    request_body = wire::PasskeyRegistration,
    responses(
        (status = 201, description = "Registered", body = wire::PasskeyBody),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 401, description = "The answer does not verify (`invalid_credentials`), an expired handle (`invalid_grant`), missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
    ))]
pub async fn me_passkeys_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let user = freshly_signed_in(&req, &state).await?;
    let body: Registration = read_json(&req, payload).await?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PASSKEY_NAME.to_owned());
    let ctx = context(&req, &state);
    let passkey = state
        .second_factors
        .finish_passkey_registration(&ctx, &user, &body.handle, &name, &body.response.to_string())
        .await
        .map_err(second_factor_error)?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(passkey_body(&passkey)))
}

// `PATCH /users/me/mfa/passkeys/{id}` `{"name"}` → `204`.
/// Renames a passkey
#[utoipa::path(patch, operation_id = "users_me_passkey_patch", path = "/users/me/mfa/passkeys/{id}", tag = "account",
    security(("access_token" = [])),
    params(("id" = String, Path)),
    request_body = wire::PasskeyRename,
    responses(
        (status = 204, description = "Renamed"),
        (status = 400, description = "Not a valid name", body = wire::ErrorBody),
        (status = 401, description = "Missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
        (status = 404, description = "No such passkey on this account", body = wire::ErrorBody),
    ))]
pub async fn me_passkey_patch(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let user = freshly_signed_in(&req, &state).await?;
    let body: Rename = read_json(&req, payload).await?;
    let ctx = context(&req, &state);
    state
        .second_factors
        .rename_passkey(&ctx, &user, &path, &body.name)
        .await
        .map_err(second_factor_error)?;
    Ok(HttpResponse::NoContent().finish())
}

// `DELETE /users/me/mfa/passkeys/{id}` → `204`.
/// Removes a passkey
#[utoipa::path(delete, operation_id = "users_me_passkey_delete", path = "/users/me/mfa/passkeys/{id}", tag = "account",
    security(("access_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
        (status = 404, description = "No such passkey on this account", body = wire::ErrorBody),
    ))]
pub async fn me_passkey_delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let user = freshly_signed_in(&req, &state).await?;
    let ctx = context(&req, &state);
    state
        .second_factors
        .remove_passkey(&ctx, &user, &path)
        .await
        .map_err(second_factor_error)?;
    Ok(HttpResponse::NoContent().finish())
}

// `POST /users/login/passkey/options` → `{"handle", "options"}` for
// `navigator.credentials.get` with a discoverable credential.
/// Starts a passwordless passkey sign-in
#[utoipa::path(post, operation_id = "users_login_passkey_options", path = "/users/login/passkey/options", tag = "account",
    responses(
        (status = 200, description = "The WebAuthn request options and the ceremony's handle (5 minutes, single use)", body = wire::PasskeyOptionsBody),
        (status = 400, description = "Passkeys need an issuer with a host name", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn login_passkey_options_post(
    req: HttpRequest,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    sign_in_budget(&req, &state).await?;
    state
        .limiter
        .take_passkey_ceremony(&req)
        .await
        .map_err(ApiError::rate_limited)?;
    let challenge = state
        .second_factors
        .start_passkey_sign_in(None)
        .await
        .map_err(second_factor_error)?;
    options_response(&challenge)
}

// `POST /users/login/passkey` `{"handle", "response"}` → `200` token response.
/// Signs in with a passkey alone
#[utoipa::path(post, operation_id = "users_login_passkey", path = "/users/login/passkey", tag = "account",
    request_body = wire::PasskeyLogin,
    responses(
        (status = 200, description = "RFC 6749 §5.1 token response", body = wire::AccountTokenResponse),
        (status = 401, description = "The answer does not verify or names an unknown passkey (`invalid_credentials`), or an expired handle (`invalid_grant`)", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn login_passkey_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    sign_in_budget(&req, &state).await?;
    let body: Login = read_json(&req, payload).await?;
    if body.handle.expose_secret().is_empty() {
        return Err(bad_field("handle"));
    }
    let ctx = context(&req, &state);
    let signed = match state
        .second_factors
        .finish_passkey_sign_in(&ctx, &body.handle, &body.response.to_string(), None)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            count_refusal(&req, &state, &e).await;
            return Err(second_factor_error(e));
        }
    };
    let amr: AuthMethods = signed.amr;
    let tokens = state
        .account_api
        .issue_for(&signed.user, amr)
        .await
        .map_err(login_error)?;
    Ok(token_response(&tokens))
}
