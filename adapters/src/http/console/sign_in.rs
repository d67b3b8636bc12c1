//! Signing in to the console and out of it.
//!
//! Without a console session `GET /console` shows the sign-in page: a button to continue as
//! the person signed in in this browser (when they hold `admin`; without it the answer is
//! `403`), a link to sign in on the account page first, and a field for the admin token. The
//! token is checked by the admin API's authenticator, so a wrong one is audited and spends
//! the address's admin failure budget (`429` once it is gone, even for the right token).

use super::render::{csrf_field, forbidden, see_other_page, unavailable};
use super::session::{ConsoleSession, Operator};
use super::{audit, for_post, ConsoleState, CONSOLE, SIGN_IN};
use crate::http::audit_trail;
use crate::http::form::OAuthForm;
use crate::http::pages::{Escaped, Ui};
use crate::http::state::{AdminState, BrowserFlowState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::ports::random_token;
use tessera_application::services::admin::{Actor, AdminAuthError};
use tessera_domain::{Role, UnixTime};

/// Why the sign-in page is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignInError {
    /// The pasted token is not the admin token.
    WrongToken,
    /// "Continue" without a browser session.
    NoSession,
}

/// The sign-in page (status `status`), with the form's CSRF token bound to the browser's
/// binding cookie (set here when it has none).
pub(super) fn sign_in_page(
    req: &HttpRequest,
    flow: &BrowserFlowState,
    status: StatusCode,
    error: Option<SignInError>,
    signed_in_as: Option<&str>,
) -> HttpResponse {
    let ui = Ui::from_request(req, None);
    let (binding, new) = match flow.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (random_token(flow.rng.as_ref(), 32), true),
    };
    let csrf = flow.csrf.token_for(&binding);
    let alert = match error {
        Some(SignInError::WrongToken) => format!(
            "<p class=\"alert\" role=\"alert\" id=\"admin-token-error\">{}</p>\n",
            ui.h("console.sign_in_wrong_token")
        ),
        Some(SignInError::NoSession) => format!(
            "<p class=\"alert\" role=\"alert\">{}</p>\n",
            ui.h("console.sign_in_no_session")
        ),
        None => String::new(),
    };
    let invalid = if error == Some(SignInError::WrongToken) {
        " aria-invalid=\"true\" aria-describedby=\"admin-token-error\""
    } else {
        ""
    };
    let session_part = match signed_in_as {
        Some(email) => format!(
            "<form method=\"post\" action=\"{SIGN_IN}\">{}<input type=\"hidden\" name=\"action\" value=\"session\"><button type=\"submit\" id=\"console-continue\">{}</button></form>\n",
            csrf_field(&csrf),
            Escaped(&ui.fill("console.sign_in_continue_as", &[("email", email)])),
        ),
        None => format!(
            "<p>{}</p>\n<p><a class=\"button\" href=\"/account\">{}</a></p>\n",
            ui.h("console.sign_in_account_hint"),
            ui.h("console.sign_in_account_link"),
        ),
    };
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{alert}",
            "<h2>{with_account}</h2>\n",
            "{session_part}",
            "<h2>{with_token}</h2>\n",
            "<form method=\"post\" action=\"{action}\">{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"token\">",
            "<label for=\"admin_token\">{token_label}</label>",
            "<input type=\"password\" id=\"admin_token\" name=\"admin_token\" autocomplete=\"off\" required{invalid}>",
            "<button type=\"submit\" id=\"console-token-sign-in\">{submit}</button>",
            "</form>\n"
        ),
        title = ui.h("console.sign_in_title"),
        lead = ui.h("console.sign_in_lead"),
        alert = alert,
        with_account = ui.h("console.sign_in_with_account"),
        session_part = session_part,
        with_token = ui.h("console.sign_in_with_token"),
        action = SIGN_IN,
        csrf = csrf_field(&csrf),
        token_label = ui.h("console.sign_in_token_label"),
        invalid = invalid,
        submit = ui.h("console.sign_in_submit"),
    );
    let mut res = ui.respond(status, ui.page(ui.t("console.sign_in_title"), &body));
    if new {
        if let Err(e) = res.add_cookie(&flow.browser.csrf_cookie(&binding)) {
            log::error!("could not set the CSRF cookie: {e}");
        }
    }
    res
}

/// The email of the person signed in in this browser, if any (for the "continue" button).
pub(super) async fn browser_person(
    req: &HttpRequest,
    flow: &BrowserFlowState,
    admin: &AdminState,
) -> Option<String> {
    let cookie = flow.browser.session_value(req)?;
    let session = flow.sessions.session(&cookie).await.ok()??;
    admin
        .users
        .get(session.user_id.as_str())
        .await
        .ok()
        .map(|u| u.email.as_str().to_owned())
}

// `POST /console/sign-in`: `action=token` with `admin_token`, or `action=session`.
/// Starts a console session.
pub(super) async fn sign_in_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
    flow: web::Data<BrowserFlowState>,
) -> HttpResponse {
    let ui = Ui::from_request(&req, None);
    let Ok(form) = OAuthForm::read(&req, payload).await else {
        return super::render::bad_request(&ui);
    };
    if !flow.csrf.verify(
        flow.browser.csrf_value(&req).as_deref(),
        form.get("csrf_token"),
    ) {
        return super::render::csrf_refused(&ui);
    }
    let ip = admin.limiter.client_ip(&req).map(|ip| ip.to_string());
    let operator = match form.get("action") {
        Some("token") => {
            let ctx = audit_trail::request_context(&req, &admin.limiter, admin.clock.as_ref());
            // Only the admin token itself: an API key is for scripts, not for the console.
            let presented = form.get("admin_token").filter(|t| !t.starts_with("tsk_"));
            match admin.auth.authenticate(&ctx, presented).await {
                Ok(actor) if actor.id == "admin_token" => Operator::AdminToken,
                Ok(_)
                | Err(AdminAuthError::Invalid | AdminAuthError::Missing | AdminAuthError::Scope) => {
                    let person = browser_person(&req, &flow, &admin).await;
                    return sign_in_page(
                        &req,
                        &flow,
                        StatusCode::UNAUTHORIZED,
                        Some(SignInError::WrongToken),
                        person.as_deref(),
                    );
                }
                Err(AdminAuthError::Throttled { retry_after_secs }) => {
                    return super::render::throttled(&ui, retry_after_secs)
                }
                Err(AdminAuthError::ApiKey(e)) => {
                    log::error!("console token check failed: {e}");
                    return unavailable(&ui);
                }
            }
        }
        Some("session") => {
            let Some(cookie) = flow.browser.session_value(&req) else {
                return sign_in_page(
                    &req,
                    &flow,
                    StatusCode::OK,
                    Some(SignInError::NoSession),
                    None,
                );
            };
            let session = match flow.sessions.session(&cookie).await {
                Ok(Some(s)) => s,
                Ok(None) => {
                    return sign_in_page(
                        &req,
                        &flow,
                        StatusCode::OK,
                        Some(SignInError::NoSession),
                        None,
                    )
                }
                Err(e) => {
                    log::error!("console sign-in session lookup failed: {e}");
                    return unavailable(&ui);
                }
            };
            match admin.roles.holds(&session.user_id, Role::Admin).await {
                Ok(true) => Operator::User(session.user_id),
                Ok(false) => return forbidden(&ui),
                Err(e) => {
                    log::error!("console sign-in role check failed: {e}");
                    return unavailable(&ui);
                }
            }
        }
        _ => return super::render::bad_request(&ui),
    };
    start(&state, operator, ip)
}

/// A fresh console session (a new id on every sign-in: no fixation), audited.
fn start(state: &ConsoleState, operator: Operator, ip: Option<String>) -> HttpResponse {
    let now: UnixTime = state.clock.now();
    let session = ConsoleSession {
        sid: random_token(state.rng.as_ref(), 32),
        operator,
        issued_at: now.as_secs(),
        seen_at: now.as_secs(),
    };
    let mut actor = Actor::new(session.operator.actor_id());
    if let Some(ip) = ip {
        actor = actor.with_ip(ip);
    }
    audit(state, &actor, "console.sign_in", now);
    let mut res = see_other_page(CONSOLE);
    match state.seal.cookie(&session) {
        Some(cookie) => {
            if let Err(e) = res.add_cookie(&cookie) {
                log::error!("could not set the console cookie: {e}");
            }
        }
        None => log::error!("the console cookie could not be sealed"),
    }
    res
}

// `POST /console/sign-out`.
/// Ends the console session: denylisted until its absolute end (every process), cookie gone.
pub(super) async fn sign_out_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, _) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let until = UnixTime::from_secs(op.session.issued_at + super::session::ABSOLUTE_SECS);
    if let Err(e) = state
        .revocations
        .revoke(&op.session.denylist_key(), until)
        .await
    {
        log::error!("console sign-out could not be recorded: {e}");
        return unavailable(&op.ui);
    }
    audit(&state, &op.actor, "console.sign_out", state.clock.now());
    let mut res = see_other_page(CONSOLE);
    let _ = res.add_cookie(&state.seal.expired_cookie());
    res
}
