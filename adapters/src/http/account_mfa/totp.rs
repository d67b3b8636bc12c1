//! `/users/login/mfa`, `GET /users/me/mfa` and the TOTP endpoints.

use super::{
    bad_field, context, count_refusal, freshly_signed_in, recovery_codes_response,
    second_factor_error, status_body,
};
use crate::http::errors::ApiError;
use crate::http::json_body::read_json;
use crate::http::state::AccountState;
use crate::http::users::{login_error, sign_in_budget, signed_in_user, token_response};
use crate::http::wire;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::future::Future;
use tessera_application::services::{AccountLoginError, SecondFactorError};
use tessera_application::RequestContext;
use tessera_domain::User;
use validator::Validate;

/// `POST /users/login/mfa`.
#[derive(Deserialize, Validate)]
struct MfaLogin {
    mfa_token: SecretString,
    otp: SecretString,
}

// `POST /users/login/mfa` `{"mfa_token","otp"}` → `200` token response.
/// Finishes a sign-in that answered `mfa_required`
#[utoipa::path(post, operation_id = "users_login_mfa", path = "/users/login/mfa", tag = "account",
    request_body = wire::MfaLoginRequest,
    responses(
        (status = 200, description = "RFC 6749 §5.1 token response", body = wire::AccountTokenResponse),
        (status = 400, description = "A field is missing", body = wire::ErrorBody),
        (status = 401, description = "Wrong or used code (`invalid_credentials`), locked account (`account_locked`), or an unknown, used or expired `mfa_token` (`invalid_grant`); the token is spent either way", body = wire::ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn login_mfa_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    sign_in_budget(&req, &state).await?;
    let body: MfaLogin = read_json(&req, payload).await?;
    if body.mfa_token.expose_secret().is_empty() {
        return Err(bad_field("mfa_token"));
    }
    if body.otp.expose_secret().is_empty() || body.otp.expose_secret().len() > 64 {
        return Err(bad_field("otp"));
    }
    let ctx = context(&req, &state);
    let sign_in = state.sign_in.clone();
    // Detached like the password step: a counted failure must not be abandoned half-way.
    let result = crate::observability::otel::spawn(async move {
        sign_in
            .second_step_on_account_api(&ctx, &body.mfa_token, &body.otp)
            .await
    })
    .await
    .map_err(|e| ApiError::server_error(&format!("the login task failed: {e}")))?;
    match result {
        Ok(tokens) => Ok(token_response(&tokens)),
        Err(AccountLoginError::SecondFactor(e)) => {
            count_refusal(&req, &state, &e).await;
            Err(second_factor_error(e))
        }
        Err(other) => Err(login_error(other)),
    }
}

// `GET /users/me/mfa` → `{"totp", "passkeys", "recovery_codes_left"}`.
/// The account's second factors
#[utoipa::path(get, operation_id = "users_me_mfa", path = "/users/me/mfa", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "TOTP on or off, the passkeys, unused recovery codes", body = wire::MfaStatusBody),
        (status = 401, description = "Missing or invalid token", body = wire::ErrorBody),
        (status = 403, description = "Not an account API token", body = wire::ErrorBody),
    ))]
pub async fn me_mfa_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let user = match signed_in_user(&req, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    match state.second_factors.status(&user.id).await {
        Ok(status) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(status_body(&status)),
        Err(e) => actix_web::ResponseError::error_response(&second_factor_error(e)),
    }
}

// `POST /users/me/mfa/totp` → `{"secret", "otpauth_uri", "qr_svg"}`; not on until confirmed.
/// Starts a TOTP enrolment
#[utoipa::path(post, operation_id = "users_me_totp", path = "/users/me/mfa/totp", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The secret, shown once; TOTP is not on until confirmed", body = wire::TotpEnrolmentBody),
        (status = 401, description = "Missing or invalid token, or a sign-in older than 15 minutes (`insufficient_user_authentication`)", body = wire::ErrorBody),
        (status = 409, description = "TOTP is on already (`conflict`)", body = wire::ErrorBody),
    ))]
pub async fn me_totp_post(
    req: HttpRequest,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let user = freshly_signed_in(&req, &state).await?;
    let enrolment = state
        .second_factors
        .begin_totp(&user)
        .await
        .map_err(second_factor_error)?;
    let qr_svg = super::qr::svg(enrolment.otpauth_uri.expose_secret())
        .ok_or_else(|| ApiError::server_error(&"the QR code could not be drawn"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(wire::TotpEnrolmentBody {
            secret: enrolment.secret.expose_secret(),
            otpauth_uri: enrolment.otpauth_uri.expose_secret(),
            qr_svg,
        }))
}

// `POST /users/me/mfa/totp/confirm` `{"code"}` → `{"recovery_codes": [10]}`; TOTP is on.
/// Confirms the enrolment with a current code
#[utoipa::path(post, operation_id = "users_me_totp_confirm", path = "/users/me/mfa/totp/confirm", tag = "account",
    security(("access_token" = [])),
    request_body = wire::TotpConfirmRequest,
    responses(
        (status = 200, description = "TOTP is on; ten recovery codes, shown once", body = wire::RecoveryCodesBody),
        (status = 400, description = "A field is missing", body = wire::ErrorBody),
        (status = 401, description = "Wrong code (`invalid_credentials`), missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
        (status = 409, description = "No enrolment to confirm, or TOTP is on already (`conflict`)", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn me_totp_confirm_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let factors = state.second_factors.clone();
    let codes = code_change(
        &req,
        payload,
        &state,
        "code",
        |ctx, user, code| async move { factors.confirm_totp(&ctx, &user, &code).await },
    )
    .await?;
    Ok(recovery_codes_response(&codes))
}

// `DELETE /users/me/mfa/totp` `{"otp"}` → `204`; TOTP and the recovery codes are gone.
/// Turns TOTP off (a current code or a recovery code required)
#[utoipa::path(delete, operation_id = "users_me_totp_delete", path = "/users/me/mfa/totp", tag = "account",
    security(("access_token" = [])),
    request_body = wire::OtpRequest,
    responses(
        (status = 204, description = "TOTP is off"),
        (status = 400, description = "A field is missing", body = wire::ErrorBody),
        (status = 401, description = "Wrong code, missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
        (status = 409, description = "TOTP is not on (`conflict`)", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn me_totp_delete(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let factors = state.second_factors.clone();
    code_change(&req, payload, &state, "otp", |ctx, user, otp| async move {
        factors.disable_totp(&ctx, &user, &otp).await
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

// `POST /users/me/mfa/recovery-codes` `{"otp"}` → `{"recovery_codes": [10]}`.
/// Replaces the recovery codes (a current code or a recovery code required)
#[utoipa::path(post, operation_id = "users_me_recovery_codes", path = "/users/me/mfa/recovery-codes", tag = "account",
    security(("access_token" = [])),
    request_body = wire::OtpRequest,
    responses(
        (status = 200, description = "Ten new recovery codes, shown once; the old ones are void", body = wire::RecoveryCodesBody),
        (status = 400, description = "A field is missing", body = wire::ErrorBody),
        (status = 401, description = "Wrong code, missing or invalid token, or a stale sign-in", body = wire::ErrorBody),
        (status = 409, description = "TOTP is not on (`conflict`)", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn me_recovery_codes_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    let factors = state.second_factors.clone();
    let codes = code_change(&req, payload, &state, "otp", |ctx, user, otp| async move {
        factors.renew_recovery_codes(&ctx, &user, &otp).await
    })
    .await?;
    Ok(recovery_codes_response(&codes))
}

/// The frame of a factor change whose JSON body carries one code in the field `name`
/// (`{"code"}` to confirm, `{"otp"}` otherwise): the address's failure budget first, a recent
/// sign-in, the code (1 to 64 characters), then the change; a refused code spends the budget
/// like a wrong password.
async fn code_change<T, Fut>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    name: &'static str,
    change: impl FnOnce(RequestContext, User, SecretString) -> Fut,
) -> Result<T, ApiError>
where
    Fut: Future<Output = Result<T, SecondFactorError>>,
{
    sign_in_budget(req, state).await?;
    let user = freshly_signed_in(req, state).await?;
    let body: CodeOrOtp = read_json(req, payload).await?;
    let code = match name {
        "code" => body.code,
        _ => body.otp,
    }
    .ok_or_else(|| bad_field(name))?;
    let len = code.expose_secret().len();
    if len == 0 || len > 64 {
        return Err(bad_field(name));
    }
    match change(context(req, state), user, code).await {
        Ok(done) => Ok(done),
        Err(e) => {
            count_refusal(req, state, &e).await;
            Err(second_factor_error(e))
        }
    }
}

/// `{"code"}` or `{"otp"}`: the one secret field of a factor change, never copied into errors.
#[derive(Deserialize, Validate)]
struct CodeOrOtp {
    code: Option<SecretString>,
    otp: Option<SecretString>,
}
