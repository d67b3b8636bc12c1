//! The login page's answer: the rate limit and CSRF check before any password is looked at,
//! then the sign-in use case, then the next step of the authorization.

use super::render::{authorize_error, login_page, page_error, render, ui_for, unavailable, Next};
use crate::http::form::OAuthForm;
use crate::http::pages::Ui;
use crate::http::state::BrowserFlowState;
use crate::http::trusted_device::TrustedDevice;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::{
    AuthorizationRequest, AuthorizeParams, Interaction, LoginError, PageSignIn, PageSignInOutcome,
    SignedIn,
};
use tessera_application::RequestContext;
use tessera_domain::UnixTime;

/// The refusal of a page post, before any work: `429` when this network used up its failed sign-ins
/// (login only), `403` when the CSRF token is missing or wrong. The account page shares it.
pub(crate) async fn guard(
    req: &HttpRequest,
    state: &BrowserFlowState,
    action: &str,
    form: &OAuthForm,
) -> Option<HttpResponse> {
    let ui = Ui::from_request(req, form.get("ui_locales"));
    if matches!(action, "login" | "mfa" | "mfa_passkey" | "passkey") {
        if let Err(wait) = state.limiter.check_sign_in(req).await {
            let mut res = page_error(
                &ui,
                StatusCode::TOO_MANY_REQUESTS,
                ui.t("errors.too_many_title"),
                ui.t("errors.too_many_sign_ins"),
            );
            if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Some(res);
        }
    }
    let binding = state.browser.csrf_value(req);
    if !state
        .csrf
        .verify(binding.as_deref(), form.get("csrf_token"))
    {
        log::info!("authorize form refused: missing or wrong CSRF token");
        return Some(page_error(
            &ui,
            StatusCode::FORBIDDEN,
            ui.t("errors.form_expired_title"),
            ui.t("errors.form_expired"),
        ));
    }
    None
}

/// Signs in with the typed credentials, then continues the authorization as the new session.
pub(super) async fn login(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    email: String,
    password: SecretString,
) -> HttpResponse {
    // Validate before spending a password hash on a request that cannot succeed; the
    // validated request then serves the rest of the step.
    let ui = ui_for(req, &params);
    let request = match state.authorize.validate(&params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(&ui, e),
    };
    let ctx = state.request_context(req);
    let now = ctx.now;
    let (lockout, device) = state.devices.context(req, &state.limiter, now).await;
    let attempt = PageSignIn {
        email: email.clone(),
        password,
        lockout,
        client_id: request.client.id.as_str().to_owned(),
        previous_session: state.browser.session_value(req),
    };
    let signed_in = run_detached(state, ctx, attempt).await;
    count(req, state, &signed_in, device.as_ref()).await;
    match signed_in {
        Ok(PageSignInOutcome::SignedIn(signed)) => {
            continue_signed_in(req, state, request, &params, &signed, now).await
        }
        Ok(PageSignInOutcome::SecondFactorDue(step)) => {
            super::second_step::page(req, state, &params, &step, None)
        }
        // A locked account (ASVS 6.3.1) gets exactly the wrong-password page: same status
        // (200), same message, and deliberately no `Retry-After`. Only existing accounts can
        // lock, so any difference, a header included, would tell whether the email exists
        // (ASVS 6.3.8). The remaining delay goes only to the log (see `Accounts::sign_in`).
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
            let failed = (email.as_str(), Some(ui.t("login.wrong_credentials")));
            login_page(req, state, &request, &params, failed)
        }
        Err(e) => login_fault(&ui, e),
    }
}

/// The authorization goes on as the session just signed in, which gets its cookies.
pub(super) async fn continue_signed_in(
    req: &HttpRequest,
    state: &BrowserFlowState,
    request: AuthorizationRequest,
    params: &AuthorizeParams,
    signed: &SignedIn,
    now: UnixTime,
) -> HttpResponse {
    let next = Next {
        params,
        session: Some(&signed.session),
        interaction: Interaction::LoggedIn,
    };
    let outcome = state
        .authorize
        .decide(request, next.session, next.interaction)
        .await;
    super::render::warm_logo(req, &outcome).await;
    let mut res = render(req, state, outcome, &next);
    set_sign_in_cookies(&mut res, state, signed, now);
    res
}

/// Runs the sign-in on its own task: it goes to its end even if the browser goes away (see
/// `SignIn`).
pub(crate) async fn run_detached(
    state: &BrowserFlowState,
    ctx: RequestContext,
    attempt: PageSignIn,
) -> Result<PageSignInOutcome, LoginError> {
    let sign_in = state.sign_in.clone();
    crate::observability::otel::spawn(async move { sign_in.on_login_page(&ctx, attempt).await })
        .await
        .unwrap_or_else(|e| Err(LoginError::Hasher(format!("the sign-in task failed: {e}"))))
}

/// Spends from the network's (and the trusted device's) failure budget on a wrong password,
/// and counts the outcome.
pub(crate) async fn count(
    req: &HttpRequest,
    state: &BrowserFlowState,
    signed_in: &Result<PageSignInOutcome, LoginError>,
    device: Option<&TrustedDevice>,
) {
    if matches!(
        signed_in,
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. })
    ) {
        state.limiter.sign_in_failed(req).await;
        if let Some(d) = device {
            state.limiter.device_failed(&d.device).await;
        }
    }
    state.metrics.login_result(signed_in.as_ref().err());
}

/// The new session's cookie and, for a browser that proved it is its owner's, the
/// trusted-device cookie.
pub(crate) fn set_sign_in_cookies(
    res: &mut HttpResponse,
    state: &BrowserFlowState,
    signed: &SignedIn,
    now: UnixTime,
) {
    let cookies = [
        Some(state.browser.session_cookie(signed.cookie.expose_secret())),
        state
            .devices
            .cookie_for(&signed.session.user_id, now, state.rng.as_ref()),
    ];
    for cookie in cookies.iter().flatten() {
        if let Err(e) = res.add_cookie(cookie) {
            log::error!("could not set the {} cookie: {e}", cookie.name());
        }
    }
}

/// A sign-in that could not be decided: busy hasher, storage or hasher failure.
pub(crate) fn login_fault(ui: &Ui, e: LoginError) -> HttpResponse {
    match e {
        LoginError::Busy => {
            let mut res = page_error(
                ui,
                StatusCode::SERVICE_UNAVAILABLE,
                ui.t("errors.busy_title"),
                ui.t("errors.busy"),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            res
        }
        LoginError::Repository(e) => unavailable(ui, &e.to_string()),
        other => {
            log::error!("password check failed: {other}");
            page_error(
                ui,
                StatusCode::INTERNAL_SERVER_ERROR,
                ui.t("errors.fault_title"),
                ui.t("errors.fault"),
            )
        }
    }
}
