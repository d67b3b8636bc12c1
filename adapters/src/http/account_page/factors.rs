//! Second factors and passkeys from the page: TOTP enrolment (QR code, key, first code, then
//! the recovery codes once), new recovery codes, turning TOTP off, and adding, renaming and
//! removing passkeys. The caller has checked that the sign-in is recent.

use super::render::{fault, unavailable};
use super::{back, notices, Fields, Page, SignedIn};
use crate::http::account_mfa::passkeys::{options_response, DEFAULT_PASSKEY_NAME};
use crate::http::account_mfa::{qr, second_factor_error};
use crate::http::pages;
use crate::http::state::AccountState;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::SecondFactorError;

/// The actions that change how the person signs in.
pub(super) const ACTIONS: [&str; 8] = [
    "totp_begin",
    "totp_confirm",
    "totp_off",
    "recovery_codes",
    "passkey_options",
    "add_passkey",
    "rename_passkey",
    "remove_passkey",
];

/// Runs one of [`ACTIONS`].
pub(super) async fn answer(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    action: &str,
    fields: &Fields,
) -> HttpResponse {
    let factors = &accounts.second_factors;
    let ctx = page.context();
    let user = &s.user;
    match action {
        "totp_begin" => enrolment(page, accounts, s, None).await,
        "totp_confirm" => match factors
            .confirm_totp(&ctx, user, &fields.secret("code"))
            .await
        {
            Ok(codes) => recovery_codes(page, &codes),
            Err(SecondFactorError::InvalidCode) => {
                page.flow.limiter.sign_in_failed(page.req).await;
                let again = page.ui.t("account.totp_wrong_first_code");
                enrolment(page, accounts, s, Some(again)).await
            }
            Err(e) => refused(page, e).await,
        },
        "totp_off" => match factors
            .disable_totp(&ctx, user, &fields.secret("otp"))
            .await
        {
            Ok(()) => back(&notices::done("totp_off")),
            Err(e) => refused(page, e).await,
        },
        "recovery_codes" => match factors
            .renew_recovery_codes(&ctx, user, &fields.secret("otp"))
            .await
        {
            Ok(codes) => recovery_codes(page, &codes),
            Err(e) => refused(page, e).await,
        },
        "passkey_options" => match factors.start_passkey_registration(user).await {
            Ok(challenge) => options_response(&challenge).unwrap_or_else(|e| e.error_response()),
            Err(e) => second_factor_error(e).error_response(),
        },
        "add_passkey" => {
            let typed = fields.text("passkey_name");
            let name = match typed.trim() {
                "" => DEFAULT_PASSKEY_NAME,
                n => n,
            };
            let result = factors
                .finish_passkey_registration(
                    &ctx,
                    user,
                    &fields.secret("passkey_handle"),
                    name,
                    &fields.text("passkey_response"),
                )
                .await;
            match result {
                Ok(_) => back(&notices::done("passkey_added")),
                Err(e) => refused(page, e).await,
            }
        }
        "rename_passkey" => match factors
            .rename_passkey(
                &ctx,
                user,
                &fields.text("passkey_id"),
                &fields.text("passkey_name"),
            )
            .await
        {
            Ok(()) => back(&notices::done("passkey_renamed")),
            Err(e) => refused(page, e).await,
        },
        "remove_passkey" => match factors
            .remove_passkey(&ctx, user, &fields.text("passkey_id"))
            .await
        {
            Ok(()) => back(&notices::done("passkey_removed")),
            Err(e) => refused(page, e).await,
        },
        _ => super::render::bad_request(&page.ui, page.ui.t("errors.unknown_action")),
    }
}

/// Starts (or restarts) a TOTP enrolment and shows it.
async fn enrolment(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    error: Option<&str>,
) -> HttpResponse {
    let started = match accounts.second_factors.begin_totp(&s.user).await {
        Ok(e) => e,
        Err(e) => return refused(page, e).await,
    };
    let svg = qr::svg(started.otpauth_uri.expose_secret()).unwrap_or_default();
    let svg = strip_prolog(&svg);
    let mut res = page.flow.page_in(&page.ui, page.req, false, |csrf| {
        pages::totp_enrolment_page(&page.ui, csrf, svg, started.secret.expose_secret(), error)
    });
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// The SVG element alone, without an `<?xml …?>` declaration (not allowed inside HTML).
fn strip_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => svg.get(i..).unwrap_or(svg),
        None => svg,
    }
}

/// The recovery codes, shown once and never cached.
fn recovery_codes(page: &Page<'_>, codes: &[SecretString]) -> HttpResponse {
    let shown: Vec<&str> = codes.iter().map(|c| c.expose_secret()).collect();
    let mut res = page
        .ui
        .respond(StatusCode::OK, pages::recovery_codes_page(&page.ui, &shown));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// A refused change, back on the page with its explanation (a guessed code spends from the
/// network's failure budget), or a fault page.
async fn refused(page: &Page<'_>, e: SecondFactorError) -> HttpResponse {
    let key = match e {
        SecondFactorError::InvalidCode => "wrong_code",
        SecondFactorError::Locked { .. } => "locked",
        SecondFactorError::Passkey(_) | SecondFactorError::Expired => "passkey_failed",
        SecondFactorError::InvalidName => "passkey_name",
        SecondFactorError::NotFound => "not_found",
        SecondFactorError::AlreadyEnabled => "totp_on",
        SecondFactorError::NotEnabled => "totp_not_on",
        SecondFactorError::NotEnrolling => "enrolment_expired",
        SecondFactorError::Repository(r) => return unavailable(&page.ui, &r.to_string()),
        other => {
            log::error!("second factor change failed: {other}");
            return fault(&page.ui);
        }
    };
    if matches!(key, "wrong_code" | "locked" | "passkey_failed") {
        page.flow.limiter.sign_in_failed(page.req).await;
    }
    back(&notices::error(key))
}
