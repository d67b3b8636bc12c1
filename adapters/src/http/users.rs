//! The JSON account API: `POST /users/register`, `POST /users/login`, `GET`, `PATCH` and
//! `DELETE /users/me`, `POST /users/me/password`.
//! Login tokens belong to the internal public client `tessera-account`; its refresh tokens
//! are redeemed at `/token` like any other.
//!
//! Bodies are JSON, at most [`MAX_JSON_BYTES`]; every refusal is the `{"error",
//! "error_description"}` shape with `Cache-Control: no-store`, and nothing is stored unless the
//! whole request is valid.

use super::audit_trail;
use super::bearer::bearer_token;
use super::errors::ApiError;
use super::HttpState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_application::services::{
    AccountChangeError, AccountLoginError, CreateUserError, LoginError, SignInContext,
};
use tessera_application::OAuthErrorCode;
use tessera_domain::{is_valid_display_name, AuditAction, AuditOutcome, Email, User};
use validator::{Validate, ValidationError, ValidationErrors};

/// Largest JSON body accepted; larger ones are `413`.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

/// Longest password the API reads; the domain's own limit is lower, this only bounds work.
const MAX_PASSWORD_CHARS: usize = 1024;

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

/// `400` naming the password when it is empty or longer than anything worth hashing.
pub(super) fn password_length(v: &SecretString) -> Result<(), ApiError> {
    match v.expose_secret().chars().count() {
        0 => Err(field_error("password", "password is required")),
        n if n > MAX_PASSWORD_CHARS => Err(field_error("password", "password is too long")),
        _ => Ok(()),
    }
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

/// `POST /users/register` → `202 {"email"}` for a new and a taken address alike (ASVS 6.3.8);
/// bad input is `400` naming the field. Both cases hash the password and try one insert
/// before answering; the mail that follows (verification link or a notice to the owner) is
/// sent after the answer, so its different work cannot be timed.
pub async fn register_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiter
        .take_registration(&req)
        .map_err(ApiError::rate_limited)?;
    let body: RegisterRequest = read_json(&req, payload).await?;
    password_length(&body.password)?;
    let registration = state
        .account_api
        .register(&body.email, body.password, body.name)
        .await
        .map_err(|e| match e {
            CreateUserError::Email(e) => field_error("email", &e.to_string()),
            CreateUserError::Password(e) => field_error("password", &e.to_string()),
            CreateUserError::Name => field_error("name", &CreateUserError::Name.to_string()),
            // `register` answers a taken address as a registration; never reached.
            CreateUserError::Duplicate => ApiError::server_error(&"unexpected duplicate"),
            CreateUserError::Busy => ApiError::unavailable(),
            CreateUserError::Hasher(d) => ApiError::server_error(&d),
            CreateUserError::Repository(r) => r.into(),
        })?;
    let answer = HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Registered {
            email: registration.email().as_str(),
        });
    let task_state = state.clone();
    actix_web::rt::spawn(async move { task_state.account_api.notify(registration).await });
    Ok(answer)
}

/// `POST /users/login` → `200` RFC 6749 §5.1 token response; one `401` for every bad
/// credential, locked accounts included.
pub async fn login_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    sign_in_budget(&req, &state)?;
    let body: LoginRequest = read_json(&req, payload).await?;
    if body.password.expose_secret().chars().count() > MAX_PASSWORD_CHARS {
        return Err(field_error("password", "password is too long"));
    }
    // The check runs to its end even if the client goes away: every attempt is counted while
    // its hash runs and only a finished success resets the count, so an abandoned request
    // must not leave a count behind (it would lock the owner out under load).
    let task_state = state.clone();
    let (email, password) = (body.email.clone(), body.password);
    let result = actix_web::rt::spawn(async move {
        task_state
            .account_api
            .login(&email, password, &SignInContext::anonymous())
            .await
    })
    .await
    .map_err(|e| ApiError::server_error(&format!("the login task failed: {e}")))?;
    if matches!(
        result,
        Err(AccountLoginError::Login(
            LoginError::InvalidCredentials | LoginError::Locked { .. }
        ))
    ) {
        state.limiter.sign_in_failed(&req);
    }
    match &result {
        Ok(_) => state.metrics.login_result(None),
        Err(AccountLoginError::Login(e)) => state.metrics.login_result(Some(e)),
        Err(AccountLoginError::Token(_)) => {}
    }
    let audited = match &result {
        Ok(_) => Some((AuditOutcome::Success, "account api")),
        Err(AccountLoginError::Login(LoginError::InvalidCredentials)) => {
            Some((AuditOutcome::Failure, "account api: bad credentials"))
        }
        Err(AccountLoginError::Login(LoginError::Locked { .. })) => {
            Some((AuditOutcome::Failure, "account api: account locked"))
        }
        Err(_) => None,
    };
    if let Some((outcome, detail)) = audited {
        let action = if outcome == AuditOutcome::Success {
            AuditAction::LoginSucceeded
        } else {
            AuditAction::LoginFailed
        };
        state.audit.record(
            audit_trail::event(&state, &req, action, outcome)
                .actor(body.email.as_str())
                .client(tessera_application::services::ACCOUNT_CLIENT_ID)
                .detail(detail),
        );
    }
    let tokens = result.map_err(|e| match e {
        // Locked answers exactly like a wrong password: only existing accounts lock.
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
    })?;
    let scope = tokens.scope.to_string();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token.expose_secret(),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            scope: &scope,
            refresh_token: tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        }))
}

/// `GET /users/me` with an account API bearer token → the profile.
pub async fn me_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
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

/// `PATCH /users/me` `{"name": "..." | null}` → `200` with the updated profile.
pub async fn me_patch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
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

/// `POST /users/me/password` `{"current_password","new_password"}` → `204`; every session and
/// refresh token of the user ends (sign in again with the new password).
pub async fn me_password_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state) {
        return e.error_response();
    }
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let result = async {
        let body: PasswordChange = read_json(&req, payload).await?;
        password_length(&body.current_password)
            .map_err(|_| field_error("current_password", "current_password is required"))?;
        password_length(&body.new_password).map_err(|_| {
            field_error(
                "new_password",
                "new_password is required and at most 1024 characters",
            )
        })?;
        state
            .account_settings
            .change_password(&user, body.current_password, body.new_password)
            .await
            .map_err(|e| counted_change_error(&req, &state, e))
    }
    .await;
    if let Some(ok) = settled(&result) {
        state.audit.record(
            audit_trail::event(
                &state,
                &req,
                AuditAction::PasswordChanged,
                audit_trail::outcome(ok),
            )
            .actor(user.id.as_str())
            .subject(user.id.as_str()),
        );
    }
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

/// `DELETE /users/me` `{"password"}` → `204`; the account and everything hanging off it are
/// gone, and its tokens stop working.
pub async fn me_delete(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state) {
        return e.error_response();
    }
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let result = async {
        let body: AccountDeletion = read_json(&req, payload).await?;
        password_length(&body.password)?;
        state
            .account_settings
            .delete_account(&user, body.password)
            .await
            .map_err(|e| counted_change_error(&req, &state, e))
    }
    .await;
    if let Some(ok) = settled(&result) {
        state.audit.record(
            audit_trail::event(
                &state,
                &req,
                AuditAction::AccountDeleted,
                audit_trail::outcome(ok),
            )
            .actor(user.id.as_str())
            .subject(user.id.as_str()),
        );
    }
    match result {
        Ok(()) => no_content(),
        Err(e) => e.error_response(),
    }
}

/// Whether a password-checked change is worth an audit row: done (`true`), or refused for the
/// password (`false`); `None` for bad input or a server fault, which say nothing about who
/// holds the account.
fn settled(result: &Result<(), ApiError>) -> Option<bool> {
    match result {
        Ok(()) => Some(true),
        Err(e) if e.code() == OAuthErrorCode::InvalidCredentials => Some(false),
        Err(_) => None,
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
        AccountChangeError::Repository(r) => r.into(),
    }
}

/// The user behind the request's account API bearer token, or the RFC 6750 refusal.
async fn signed_in_user(req: &HttpRequest, state: &HttpState) -> Result<User, HttpResponse> {
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
pub(super) fn sign_in_budget(req: &HttpRequest, state: &HttpState) -> Result<(), ApiError> {
    state
        .limiter
        .check_sign_in(req)
        .map_err(ApiError::rate_limited)
}

/// [`change_error`], spending from the address's failure budget when the password was wrong.
fn counted_change_error(req: &HttpRequest, state: &HttpState, e: AccountChangeError) -> ApiError {
    if matches!(
        e,
        AccountChangeError::WrongPassword | AccountChangeError::Locked { .. }
    ) {
        state.limiter.sign_in_failed(req);
    }
    change_error(e)
}

pub(super) fn field_error(field: &str, message: &str) -> ApiError {
    ApiError::invalid_request(format!("{field}: {message}"))
}

/// Reads a JSON body of at most [`MAX_JSON_BYTES`] and validates it; every failure is a
/// clean 4xx naming what is wrong.
pub(super) async fn read_json<T: DeserializeOwned + Validate>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            OAuthErrorCode::InvalidRequest,
            "the body must be application/json",
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_JSON_BYTES) {
        return Err(ApiError::payload_too_large(MAX_JSON_BYTES));
    }
    let body = match payload.to_bytes_limited(MAX_JSON_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return Err(ApiError::invalid_request(
                "the request body could not be read",
            ))
        }
        Err(_) => return Err(ApiError::payload_too_large(MAX_JSON_BYTES)),
    };
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid_request("the body is not valid UTF-8"))?;
    let value: T = serde_json::from_str(text).map_err(|e| {
        ApiError::invalid_request(match e.classify() {
            serde_json::error::Category::Data => format!("invalid field: {e}"),
            _ => "the body is not valid JSON".to_owned(),
        })
    })?;
    value.validate().map_err(|e| validation_error(&e))?;
    Ok(value)
}

/// `400 invalid_request` naming the first offending field (in name order, so stable).
fn validation_error(errors: &ValidationErrors) -> ApiError {
    let fields = errors.field_errors();
    let mut names: Vec<_> = fields.keys().collect();
    names.sort();
    let Some(name) = names.first() else {
        return ApiError::invalid_request("the body is not valid");
    };
    let message = fields[*name]
        .first()
        .and_then(|e| e.message.as_ref().map(ToString::to_string))
        .unwrap_or_else(|| "is not valid".to_owned());
    field_error(name, &message)
}
