//! The page's sign-in: the same steps as the `/authorize` login page (password, then a second
//! factor when one is on; or a passkey alone), through the same use case, as the account's
//! own client; a sign-in ends in a `303` back to the page with the new session's cookies.

use super::render::sign_in_form;
use super::{back, Fields, Page};
use crate::http::authorize::second_step::{
    failure_message, proof, retry_message, step_page, task_failed,
};
use crate::http::authorize::sign_in::{count, login_fault, run_detached, set_sign_in_cookies};
use crate::http::state::PasskeyAnswer;
use actix_web::HttpResponse;
use secrecy::ExposeSecret;
use tessera_application::services::{
    LoginError, PageSecondStep, PageSignIn, PageSignInOutcome, PendingStep, SecondStepOutcome,
    SignedIn, ACCOUNT_CLIENT_ID,
};
use tessera_domain::UnixTime;

/// The second-step page posting to `/account`.
fn step(page: &Page<'_>, pending: &PendingStep, error: Option<&str>) -> HttpResponse {
    step_page(
        &page.ui,
        page.req,
        page.flow,
        (&[], super::ACCOUNT_URL),
        pending,
        error,
    )
}

/// Back to the page as the new session.
fn signed_in(page: &Page<'_>, signed: &SignedIn, now: UnixTime) -> HttpResponse {
    let mut res = back("");
    set_sign_in_cookies(&mut res, page.flow, signed, now);
    res
}

/// `action=login`: email and password.
pub(super) async fn password(page: &Page<'_>, fields: &Fields) -> HttpResponse {
    let email = fields.text("email");
    let ctx = page.context();
    let now = ctx.now;
    let (lockout, device) = page
        .flow
        .devices
        .context(page.req, &page.flow.limiter, now)
        .await;
    let attempt = PageSignIn {
        email: email.clone(),
        password: fields.secret("password"),
        lockout,
        client_id: ACCOUNT_CLIENT_ID.to_owned(),
        previous_session: page.flow.browser.session_value(page.req),
    };
    let outcome = run_detached(page.flow, ctx, attempt).await;
    count(page.req, page.flow, &outcome, device.as_ref()).await;
    match outcome {
        Ok(PageSignInOutcome::SignedIn(signed)) => signed_in(page, &signed, now),
        Ok(PageSignInOutcome::SecondFactorDue(pending)) => step(page, &pending, None),
        // The same answer for a wrong password and a lock (ASVS 6.3.8), as on /authorize.
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
            sign_in_form(page, &email, Some(page.ui.t("login.wrong_credentials")))
        }
        Err(e) => login_fault(&page.ui, e),
    }
}

/// `action=mfa` (a code) or `action=mfa_passkey` (the `#passkey` button's answer).
pub(super) async fn second_step(page: &Page<'_>, action: &str, fields: &Fields) -> HttpResponse {
    let token = fields.secret("mfa_token");
    if token.expose_secret().is_empty() {
        return super::render::bad_request(&page.ui, page.ui.t("errors.form_incomplete"));
    }
    let ctx = page.context();
    let now = ctx.now;
    let (lockout, device) = page
        .flow
        .devices
        .context(page.req, &page.flow.limiter, now)
        .await;
    let pending = PageSecondStep {
        token,
        proof: proof(
            action,
            fields.secret("otp"),
            fields.secret("passkey_handle"),
            fields.text("passkey_response"),
        ),
        lockout,
        client_id: ACCOUNT_CLIENT_ID.to_owned(),
        previous_session: page.flow.browser.session_value(page.req),
    };
    let sign_in = page.flow.sign_in.clone();
    // Detached like the password step: a counted failure must run to its end.
    let outcome =
        crate::observability::otel::spawn(async move { sign_in.second_step(&ctx, pending).await })
            .await
            .unwrap_or_else(|e| Err(task_failed(e)));
    match outcome {
        Ok(SecondStepOutcome::SignedIn(signed)) => signed_in(page, &signed, now),
        Ok(SecondStepOutcome::Retry { error, step: next }) => {
            page.flow.limiter.sign_in_failed(page.req).await;
            if let Some(d) = device.as_ref() {
                page.flow.limiter.device_failed(&d.device).await;
            }
            step(page, &next, Some(retry_message(&page.ui, &error)))
        }
        Err(e) => match failure_message(&page.ui, page.req, page.flow, e).await {
            Ok(message) => sign_in_form(page, "", Some(message)),
            Err(res) => *res,
        },
    }
}

/// `action=passkey`: "Sign in with a passkey", no password.
pub(super) async fn passkey(page: &Page<'_>, fields: &Fields) -> HttpResponse {
    let handle = fields.secret("passkey_handle");
    let response = fields.text("passkey_response");
    if handle.expose_secret().is_empty() || response.is_empty() {
        return super::render::bad_request(&page.ui, page.ui.t("errors.form_incomplete"));
    }
    let ctx = page.context();
    let now = ctx.now;
    let answer = PasskeyAnswer {
        handle,
        response,
        client_id: ACCOUNT_CLIENT_ID.to_owned(),
        previous_session: page.flow.browser.session_value(page.req),
    };
    let sign_in = page.flow.sign_in.clone();
    let outcome =
        crate::observability::otel::spawn(async move { sign_in.passkey(&ctx, answer).await })
            .await
            .unwrap_or_else(|e| Err(task_failed(e)));
    match outcome {
        Ok(signed) => signed_in(page, &signed, now),
        Err(e) => match failure_message(&page.ui, page.req, page.flow, e).await {
            Ok(message) => sign_in_form(page, "", Some(message)),
            Err(res) => *res,
        },
    }
}
