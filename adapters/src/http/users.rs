//! The JSON account API: `POST /users/register`, `POST /users/login`, and the bearer token
//! check of `/users/me` (whose handlers are in `account_profile`).
//! Login tokens belong to the internal public client `tessera-account`; its refresh tokens
//! are redeemed at `/token` like any other.
//!
//! Bodies are JSON, at most `json_body::MAX_JSON_BYTES`; every refusal is the `{"error",
//! "error_description"}` shape with `Cache-Control: no-store`, and nothing is stored unless the
//! whole request is valid.

use super::bearer::bearer_token;
use super::errors::ApiError;
use super::json_body::MAX_PASSWORD_CHARS;
pub(super) use super::json_body::{field_error, password_length, read_json};
use super::state::AccountState;
use crate::http::wire;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tessera_application::services::{
    AccountLoginError, ApiSignIn, ApiSignInOutcome, CreateUserError, LoginError, PendingStep,
    TokenSet, SECOND_FACTOR_STEP_SECS,
};
use tessera_application::OAuthErrorCode;
use tessera_domain::{is_valid_display_name, Email, User};
use validator::{Validate, ValidationError};

/// `POST /users/register`.
#[derive(Deserialize, Validate)]
struct RegisterRequest {
    #[validate(custom(function = "valid_email"))]
    email: String,
    /// Checked by [`password_length`], not by `validator`, which would copy the value into its
    /// error.
    password: SecretString,
    #[validate(custom(function = "valid_name"))]
    name: Option<String>,
}

/// `POST /users/login`. The email is not validated here: a malformed one fails like an
/// unknown one, at the same cost (ASVS 6.3.8).
#[derive(Deserialize, Validate)]
struct LoginRequest {
    #[validate(length(max = 1024, message = "email is too long"))]
    email: String,
    /// Checked by [`password_length`].
    password: SecretString,
}

fn valid_email(v: &str) -> Result<(), ValidationError> {
    Email::parse(v)
        .map(|_| ())
        .map_err(|e| ValidationError::new("email").with_message(e.to_string().into()))
}

fn valid_name(v: &str) -> Result<(), ValidationError> {
    if !is_valid_display_name(v) {
        return Err(
            ValidationError::new("name").with_message(CreateUserError::Name.to_string().into())
        );
    }
    Ok(())
}

/// The one answer of `POST /users/register`, for a new and a taken address alike.
#[derive(Serialize)]
struct Registered<'a> {
    email: &'a str,
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: i64,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

// `POST /users/register` → `202 {"email"}` for a new and a taken address alike (ASVS 6.3.8);
// bad input is `400` naming the field. Both cases hash the password and try one insert
// before answering; the mail that follows (verification link or a notice to the owner) is
// sent after the answer, so its different work cannot be timed.
/// Registers an account; a taken address answers the same (its owner is mailed instead)
#[utoipa::path(post, operation_id = "users_register", path = "/users/register", tag = "account",
    request_body = wire::RegisterRequest,
    responses(
        (status = 202, description = "Accepted, for a new and a taken address alike (ASVS 6.3.8): a new address gets an account and a verification mail, the owner of a taken one a mail saying someone tried", body = wire::Registered),
        (status = 400, description = "A field is not valid (named in the description)", body = wire::ErrorBody),
        (status = 403, description = "`access_denied`: self-service registration is off (`registration.self_service`)", body = wire::ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = wire::ErrorBody),
    ))]
pub async fn register_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    if !super::people::PeopleSettings::of(&req).self_service {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            OAuthErrorCode::AccessDenied,
            "self-service registration is turned off".to_owned(),
        ));
    }
    state
        .limiter
        .take_registration(&req)
        .await
        .map_err(ApiError::rate_limited)?;
    let body: RegisterRequest = read_json(&req, payload).await?;
    password_length(&body.password)?;
    let registration = state
        .account_api
        .register(&body.email, body.password, body.name)
        .await
        .map_err(registration_error)?;
    let answer = HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Registered {
            email: registration.email().as_str(),
        });
    let task_state = state.clone();
    actix_web::rt::spawn(async move { task_state.account_api.notify(registration).await });
    Ok(answer)
}

/// The answer to a refused registration: a bad field names itself, the rest are the server's.
fn registration_error(e: CreateUserError) -> ApiError {
    match e {
        CreateUserError::Email(e) => field_error("email", &e.to_string()),
        CreateUserError::Password(e) => field_error("password", &e.to_string()),
        CreateUserError::Name => field_error("name", &CreateUserError::Name.to_string()),
        // `register` answers a taken address as a registration; never reached.
        CreateUserError::Duplicate => ApiError::server_error(&"unexpected duplicate"),
        CreateUserError::Busy => ApiError::unavailable(),
        CreateUserError::Hasher(d) => ApiError::server_error(&d),
        CreateUserError::Repository(r) => r.into(),
    }
}

// `POST /users/login` → `200` RFC 6749 §5.1 token response; one `401` for every bad
// credential, locked accounts included.
/// Signs in with a password; answers tokens of the account API
#[utoipa::path(post, path = "/users/login", tag = "account",
    request_body = crate::http::wire::LoginRequest,
    responses(
        (status = 200, description = "RFC 6749 §5.1 token response", body = crate::http::wire::AccountTokenResponse),
        (status = 400, description = "A field is not valid", body = crate::http::wire::ErrorBody),
        (status = 401, description = "`invalid_grant`: one answer for every bad credential", body = crate::http::wire::ErrorBody),
        (status = 403, description = "`access_denied`: the address is not verified and `accounts.require_verified_email` is on", body = crate::http::wire::ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = crate::http::wire::ErrorBody),
        (status = 415, description = "Not application/json", body = crate::http::wire::ErrorBody),
        (status = 429, description = "Rate limited", body = crate::http::wire::ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = crate::http::wire::ErrorBody),
    ))]
pub async fn login_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    sign_in_budget(&req, &state).await?;
    let body: LoginRequest = read_json(&req, payload).await?;
    if body.password.expose_secret().chars().count() > MAX_PASSWORD_CHARS {
        return Err(field_error("password", "password is too long"));
    }
    let ctx = super::browser::request_context(&req, &state);
    let attempt = ApiSignIn {
        email: body.email,
        password: body.password,
    };
    let sign_in = state.sign_in.clone();
    // Detached: the sign-in runs to its end even if the client goes away (see `SignIn`).
    let result =
        crate::observability::otel::spawn(
            async move { sign_in.on_account_api(&ctx, attempt).await },
        )
        .await
        .map_err(|e| ApiError::server_error(&format!("the login task failed: {e}")))?;
    count_login(&req, &state, &result).await;
    match result.map_err(login_error)? {
        ApiSignInOutcome::Tokens(tokens) => Ok(token_response(&tokens)),
        ApiSignInOutcome::SecondFactorDue(step) => Ok(mfa_required(&step)),
    }
}

/// The contract's `401 {"error": "mfa_required", "mfa_token": "..."}`: the password was
/// right, and `/users/login/mfa` finishes the sign-in with this single-use token.
fn mfa_required(step: &PendingStep) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(wire::MfaRequiredBody {
            error: OAuthErrorCode::MfaRequired,
            error_description: "a second factor is required: POST /users/login/mfa",
            mfa_token: step.token.expose_secret(),
            expires_in: SECOND_FACTOR_STEP_SECS,
        })
}

/// Spends from the address's failure budget on a wrong password, and counts the outcome.
async fn count_login(
    req: &HttpRequest,
    state: &AccountState,
    result: &Result<ApiSignInOutcome, AccountLoginError>,
) {
    match result {
        Ok(_) => state.metrics.login_result(None),
        Err(AccountLoginError::Login(e)) => {
            if matches!(
                e,
                LoginError::InvalidCredentials | LoginError::Locked { .. }
            ) {
                state.limiter.sign_in_failed(req).await;
            }
            state.metrics.login_result(Some(e));
        }
        Err(
            AccountLoginError::Token(_)
            | AccountLoginError::SecondFactor(_)
            | AccountLoginError::EmailUnverified,
        ) => {}
    }
}

/// Locked answers exactly like a wrong password: only existing accounts lock.
pub(super) fn login_error(e: AccountLoginError) -> ApiError {
    match e {
        AccountLoginError::Login(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                OAuthErrorCode::InvalidGrant,
                LoginError::InvalidCredentials.to_string(),
            )
        }
        AccountLoginError::Login(LoginError::Busy) => ApiError::unavailable(),
        AccountLoginError::Login(LoginError::Repository(r)) => r.into(),
        AccountLoginError::Login(LoginError::Hasher(d)) => ApiError::server_error(&d),
        AccountLoginError::Token(t) => t.into(),
        AccountLoginError::SecondFactor(e) => super::account_mfa::second_factor_error(e),
        AccountLoginError::EmailUnverified => ApiError::new(
            StatusCode::FORBIDDEN,
            OAuthErrorCode::AccessDenied,
            AccountLoginError::EmailUnverified.to_string(),
        ),
    }
}

/// RFC 6749 §5.1, never cached.
pub(super) fn token_response(tokens: &TokenSet) -> HttpResponse {
    let scope = tokens.scope.to_string();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token.expose_secret(),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            scope: &scope,
            refresh_token: tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        })
}

/// The user behind the request's account API bearer token, or the RFC 6750 refusal.
pub(super) async fn signed_in_user(
    req: &HttpRequest,
    state: &AccountState,
) -> Result<User, HttpResponse> {
    let token = bearer_token(req)
        .map_err(ApiError::from)
        .and_then(|t| t.ok_or_else(ApiError::bearer_required))
        .map_err(|e| e.error_response())?;
    state
        .account_api
        .me(token)
        .await
        .map_err(|e| ApiError::from(e).error_response())
}

/// `429` when this address has used up its failed sign-ins (checked before any password).
pub(super) async fn sign_in_budget(
    req: &HttpRequest,
    state: &AccountState,
) -> Result<(), ApiError> {
    state
        .limiter
        .check_sign_in(req)
        .await
        .map_err(ApiError::rate_limited)
}
