//! The login page's second step (a code, or a passkey after the password) and the
//! passwordless passkey sign-in; both end like a password sign-in, in the authorization's
//! next step with the new session's cookies.

use super::render::{authorize_error, bad_request, login_page, page_error, ui_for, unavailable};
use super::sign_in::continue_signed_in;
use super::PageFields;
use crate::http::pages::{self, SecondStep, Ui};
use crate::http::state::{BrowserFlowState, PasskeyAnswer};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::{
    AuthorizeParams, PageSecondStep, PendingStep, SecondFactorError, SecondProof,
    SecondStepOutcome, SignedIn,
};

/// The second-step page for a pending step, with `error` after a refused attempt.
pub(super) fn page(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: &AuthorizeParams,
    step: &PendingStep,
    error: Option<&str>,
) -> HttpResponse {
    let hidden = super::render::hidden_fields(state, params);
    step_page(
        &ui_for(req, params),
        req,
        state,
        (&hidden, "/authorize"),
        step,
        error,
    )
}

/// The second-step page posting to `action_url` with `hidden` carried along (the account
/// page shares it).
pub(crate) fn step_page(
    ui: &Ui,
    req: &HttpRequest,
    state: &BrowserFlowState,
    (hidden, action_url): (&[(String, String)], &str),
    step: &PendingStep,
    error: Option<&str>,
) -> HttpResponse {
    let passkey = step
        .passkey
        .as_ref()
        .map(|p| (p.handle.expose_secret(), p.options.as_str()));
    let view = SecondStep {
        action_url,
        token: step.token.expose_secret(),
        totp: step.totp,
        passkey,
    };
    state.page_in(ui, req, passkey.is_some(), |csrf| {
        pages::second_factor_page(ui, hidden, csrf, view, error)
    })
}

/// The proof a second-step form carries: `mfa_passkey` is the `#passkey` button's answer,
/// anything else a code in `otp`.
pub(crate) fn proof(
    action: &str,
    otp: SecretString,
    handle: SecretString,
    response: String,
) -> SecondProof {
    if action == "mfa_passkey" {
        SecondProof::Passkey { handle, response }
    } else {
        SecondProof::Otp(otp)
    }
}

/// What the second-step page says after a refused attempt it may retry.
pub(crate) fn retry_message(ui: &Ui, error: &SecondFactorError) -> &'static str {
    match error {
        SecondFactorError::Passkey(_) => ui.t("second_factor.wrong_passkey"),
        _ => ui.t("second_factor.wrong_code"),
    }
}

/// A second step that cannot go on: the message the login page shows again (spending from
/// the network's failure budget where it was a guess), or a fault page.
pub(crate) async fn failure_message(
    ui: &Ui,
    req: &HttpRequest,
    state: &BrowserFlowState,
    e: SecondFactorError,
) -> Result<&'static str, Box<HttpResponse>> {
    match e {
        SecondFactorError::Expired => Ok(ui.t("second_factor.expired")),
        SecondFactorError::Passkey(_) | SecondFactorError::NoAccount => {
            state.limiter.sign_in_failed(req).await;
            Ok(ui.t("second_factor.passkey_refused"))
        }
        SecondFactorError::InvalidCode | SecondFactorError::Locked { .. } => {
            state.limiter.sign_in_failed(req).await;
            Ok(ui.t("login.wrong_credentials"))
        }
        SecondFactorError::Repository(r) => Err(Box::new(unavailable(ui, &r.to_string()))),
        other => {
            log::error!("second sign-in step failed: {other}");
            Err(Box::new(page_error(
                ui,
                StatusCode::INTERNAL_SERVER_ERROR,
                ui.t("errors.fault_title"),
                ui.t("errors.fault"),
            )))
        }
    }
}

/// `action=mfa` (a code in `otp`) or `action=mfa_passkey` (the `#passkey` button's answer).
pub(super) async fn answer(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    action: &str,
    fields: PageFields,
) -> HttpResponse {
    let ui = ui_for(req, &params);
    let request = match state.authorize.validate(&params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(&ui, e),
    };
    if fields.mfa_token.expose_secret().is_empty() {
        return bad_request(&ui, ui.t("errors.form_incomplete"));
    }
    let proof = proof(
        action,
        fields.otp,
        fields.passkey_handle,
        fields.passkey_response,
    );
    let ctx = state.request_context(req);
    let now = ctx.now;
    let (lockout, device) = state.devices.context(req, &state.limiter, now).await;
    let step = PageSecondStep {
        token: fields.mfa_token,
        proof,
        lockout,
        client_id: request.client.id.as_str().to_owned(),
        previous_session: state.browser.session_value(req),
    };
    let sign_in = state.sign_in.clone();
    // Detached like the password step: a counted failure must run to its end.
    let outcome =
        crate::observability::otel::spawn(async move { sign_in.second_step(&ctx, step).await })
            .await
            .unwrap_or_else(|e| Err(task_failed(e)));
    match outcome {
        Ok(SecondStepOutcome::SignedIn(signed)) => {
            continue_signed_in(req, state, request, &params, &signed, now).await
        }
        Ok(SecondStepOutcome::Retry { error, step }) => {
            state.limiter.sign_in_failed(req).await;
            if let Some(d) = device.as_ref() {
                state.limiter.device_failed(&d.device).await;
            }
            page(req, state, &params, &step, Some(retry_message(&ui, &error)))
        }
        Err(e) => step_failed(req, state, &request, &params, e).await,
    }
}

/// `action=passkey`: the login page's "Sign in with a passkey", no password.
pub(super) async fn passkey(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    fields: PageFields,
) -> HttpResponse {
    let ui = ui_for(req, &params);
    let request = match state.authorize.validate(&params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(&ui, e),
    };
    if fields.passkey_handle.expose_secret().is_empty() || fields.passkey_response.is_empty() {
        return bad_request(&ui, ui.t("errors.form_incomplete"));
    }
    let ctx = state.request_context(req);
    let now = ctx.now;
    let answer = PasskeyAnswer {
        handle: fields.passkey_handle,
        response: fields.passkey_response,
        client_id: request.client.id.as_str().to_owned(),
        previous_session: state.browser.session_value(req),
    };
    let sign_in = state.sign_in.clone();
    let signed: Result<SignedIn, SecondFactorError> =
        crate::observability::otel::spawn(async move { sign_in.passkey(&ctx, answer).await })
            .await
            .unwrap_or_else(|e| Err(task_failed(e)));
    match signed {
        Ok(signed) => continue_signed_in(req, state, request, &params, &signed, now).await,
        Err(e) => step_failed(req, state, &request, &params, e).await,
    }
}

/// A second step that cannot go on: back to the login page (expired step, refused passkey,
/// locked account), or a fault page.
async fn step_failed(
    req: &HttpRequest,
    state: &BrowserFlowState,
    request: &tessera_application::services::AuthorizationRequest,
    params: &AuthorizeParams,
    e: SecondFactorError,
) -> HttpResponse {
    let message = match failure_message(&ui_for(req, params), req, state, e).await {
        Ok(m) => m,
        Err(res) => return *res,
    };
    login_page(req, state, request, params, ("", Some(message)))
}

/// A sign-in task that died (panicked or was cancelled), as a server fault.
pub(crate) fn task_failed(e: impl std::fmt::Display) -> SecondFactorError {
    SecondFactorError::Crypto(tessera_application::errors::CryptoError::backend(format!(
        "the sign-in task failed: {e}"
    )))
}
