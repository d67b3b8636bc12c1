//! Second factors over JSON: finishing a sign-in (`/users/login/mfa`), a passwordless
//! passkey sign-in (`/users/login/passkey*`), and the signed-in account's own factors
//! (`/users/me/mfa*`).
//!
//! Changing a factor needs a recent sign-in (ASVS 7.5.1): an account token whose `auth_time`
//! is older than [`FRESH_SIGN_IN_SECS`] gets `401 insufficient_user_authentication` with
//! `max_age` in the challenge (RFC 9470), and the client signs in again.

use super::bearer::bearer_token;
use super::errors::ApiError;
use super::json_body::field_error;
use super::state::AccountState;
use super::{audit_trail, wire};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::{MfaStatus, SecondFactorError};
use tessera_application::OAuthErrorCode;
use tessera_domain::{Passkey, User};

pub(super) mod passkeys;
pub(super) mod qr;
pub(super) mod totp;

pub use passkeys::{
    login_passkey_options_post, login_passkey_post, me_passkey_delete, me_passkey_patch,
    me_passkeys_options_post, me_passkeys_post,
};
pub use totp::{
    login_mfa_post, me_mfa_get, me_recovery_codes_post, me_totp_confirm_post, me_totp_delete,
    me_totp_post,
};

/// How recent a sign-in must be to change second factors.
pub const FRESH_SIGN_IN_SECS: i64 = 900;

/// The account behind the bearer token, whose sign-in is recent enough to change factors.
async fn freshly_signed_in(req: &HttpRequest, state: &AccountState) -> Result<User, ApiError> {
    let token = bearer_token(req)?.ok_or_else(ApiError::bearer_required)?;
    let (user, auth_time) = state.account_api.me_authenticated(token).await?;
    let now = state.clock.now();
    let fresh =
        auth_time.is_some_and(|t| now.as_secs().saturating_sub(t.as_secs()) <= FRESH_SIGN_IN_SECS);
    if !fresh {
        return Err(ApiError::insufficient_user_authentication(
            FRESH_SIGN_IN_SECS,
        ));
    }
    Ok(user)
}

/// `GET /users/me/mfa`'s body.
fn status_body(status: &MfaStatus) -> wire::MfaStatusBody {
    wire::MfaStatusBody {
        totp: status.totp,
        passkeys: status.passkeys.iter().map(passkey_body).collect(),
        recovery_codes_left: status.recovery_codes_left,
    }
}

fn passkey_body(p: &Passkey) -> wire::PasskeyBody {
    wire::PasskeyBody {
        id: p.id.clone(),
        name: p.name.clone(),
        created_at: p.created_at.as_secs(),
        last_used_at: p.last_used_at.map(|t| t.as_secs()),
    }
}

/// Recovery codes, shown once, never cached.
fn recovery_codes_response(codes: &[SecretString]) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(wire::RecoveryCodesBody {
            recovery_codes: codes.iter().map(|c| c.expose_secret()).collect(),
        })
}

/// Spends from the address's failure budget when a second factor was refused (guessing).
async fn count_refusal(req: &HttpRequest, state: &AccountState, e: &SecondFactorError) {
    if matches!(
        e,
        SecondFactorError::InvalidCode
            | SecondFactorError::Passkey(_)
            | SecondFactorError::Locked { .. }
            | SecondFactorError::Expired
    ) {
        state.limiter.sign_in_failed(req).await;
    }
}

/// The one mapping of second-factor refusals to responses.
pub(super) fn second_factor_error(e: SecondFactorError) -> ApiError {
    let code = e.code();
    let status = match e {
        SecondFactorError::Repository(r) => return r.into(),
        SecondFactorError::Crypto(c) => return ApiError::server_error(&c),
        SecondFactorError::NoAccount => {
            return ApiError::bearer(
                StatusCode::UNAUTHORIZED,
                Some(OAuthErrorCode::InvalidToken),
                "the account is not active",
            )
        }
        SecondFactorError::InvalidCode
        | SecondFactorError::Passkey(_)
        | SecondFactorError::Locked { .. }
        | SecondFactorError::Expired => StatusCode::UNAUTHORIZED,
        SecondFactorError::AlreadyEnabled
        | SecondFactorError::NotEnrolling
        | SecondFactorError::NotEnabled => StatusCode::CONFLICT,
        SecondFactorError::PasskeysUnavailable | SecondFactorError::InvalidName => {
            StatusCode::BAD_REQUEST
        }
        SecondFactorError::NotFound => StatusCode::NOT_FOUND,
    };
    ApiError::new(status, code, e.to_string())
}

/// `400` naming a missing or malformed field.
fn bad_field(name: &str) -> ApiError {
    field_error(name, &format!("{name} is required"))
}

/// The context of a request, for the use cases.
fn context(req: &HttpRequest, state: &AccountState) -> tessera_application::RequestContext {
    audit_trail::request_context(req, &state.limiter, state.clock.as_ref())
}
