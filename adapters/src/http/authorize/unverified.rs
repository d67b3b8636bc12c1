//! The notice for a person whose email address is not verified yet: shown right after signing
//! in (informational: "Continue" goes on), or at every step when
//! `accounts.require_verified_email` is on (no code until the address is verified). Its
//! "Resend the verification mail" button mails a new link through the same use case and
//! budget as `POST /users/verify-email/resend`; the link leads back to this authorization.

use super::render::{
    authorize_error, continue_with, current_session, hidden_fields, retry_url, shown_name, start,
    unavailable, Next,
};
use super::PageFields;
use crate::http::auth_transaction::AUTH_TX_FIELD;
use crate::http::pages::{self, Ui, UnverifiedView};
use crate::http::people::PeopleSettings;
use crate::http::pushed_mark::PUSHED_FIELD;
use crate::http::state::{AccountState, BrowserFlowState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::services::{
    AuthorizationRequest, AuthorizeParams, Interaction, SignInProof,
};
use tessera_domain::{BrowserSession, User};

/// Whether this step's session signed in in this very authorization (the login page just
/// now, or a form that carried the proof of it).
pub(super) fn proven_here(next: &Next<'_>) -> bool {
    matches!(
        next.interaction,
        Interaction::LoggedIn
            | Interaction::Continued {
                sign_in: SignInProof::ThisAuthorization
            }
    )
}

/// The notice page; its forms carry the request, and the proof of a sign-in made here.
pub(super) fn page(
    req: &HttpRequest,
    state: &BrowserFlowState,
    request: &AuthorizationRequest,
    user: &User,
    required: bool,
    next: &Next<'_>,
    resent: bool,
) -> HttpResponse {
    let session = next.session.filter(|_| proven_here(next));
    let hidden = hidden_with_proof(state, next.params, session);
    let ui = Ui::from_request(req, next.params.other.get("ui_locales").map(String::as_str));
    let (binding, new) = match state.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (
            tessera_application::ports::random_token(state.rng.as_ref(), 32),
            true,
        ),
    };
    let csrf = state.csrf.token_for(&binding);
    let body = pages::unverified_page(
        &ui,
        &UnverifiedView {
            client_name: shown_name(&request.client),
            email: user.email.as_str(),
            hidden: &hidden,
            csrf: &csrf,
            required,
            resent,
        },
    );
    let status = if required {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    let mut res = ui.respond(status, body);
    if new {
        if let Err(e) = res.add_cookie(&state.browser.csrf_cookie(&binding)) {
            log::error!("could not set the CSRF cookie: {e}");
        }
    }
    res
}

/// The request's parameters, the proof that `session` signed in here (when it did), then
/// the pushed mark (the proof covers the request's own parameters only).
fn hidden_with_proof(
    state: &BrowserFlowState,
    params: &AuthorizeParams,
    session: Option<&BrowserSession>,
) -> Vec<(String, String)> {
    let mut hidden = params.pairs();
    if let Some(s) = session {
        let proof = state
            .auth_tx
            .issue(s, hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        hidden.push((AUTH_TX_FIELD.to_owned(), proof));
    }
    hidden.extend(
        hidden_fields(state, params)
            .into_iter()
            .filter(|(name, _)| name == PUSHED_FIELD),
    );
    hidden
}

/// "Continue": the flow goes on past the notice (the use case shows it again when a verified
/// address is required).
pub(super) async fn continue_anyway(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    page: PageFields,
) -> HttpResponse {
    let session = match current_session(req, state).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let sign_in = state
        .auth_tx
        .verify(session.as_ref(), &params, page.auth_tx.as_deref());
    continue_with(
        req,
        state,
        params,
        session,
        Interaction::Continued { sign_in },
    )
    .await
}

/// "Resend the verification mail": a new link (leading back here) for the signed-in person's
/// address, then the notice again saying so. Nothing is decided about the authorization.
pub(super) async fn resend(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    page: PageFields,
) -> HttpResponse {
    let session = match current_session(req, state).await {
        Ok(Some(s)) => s,
        Ok(None) => return start(req, state, params).await,
        Err(res) => return res,
    };
    let request = match state.authorize.validate(&params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(e),
    };
    let Some(accounts) = req.app_data::<web::Data<AccountState>>() else {
        return unavailable("the account state is not configured");
    };
    let user = match accounts.account_sessions.account(&session.user_id).await {
        Ok(Some(u)) if !u.disabled => u,
        Ok(_) => return start(req, state, params).await,
        Err(e) => return unavailable(&e.to_string()),
    };
    if user.email_verified {
        return continue_with(req, state, params, Some(session), Interaction::Start).await;
    }
    if let Err(wait) = accounts.limiter.take_mail_request(req).await {
        let ui = Ui::from_request(req, None);
        let mut res = ui.respond(
            StatusCode::TOO_MANY_REQUESTS,
            pages::people_error_page(&ui, "forgot.too_many_title", "forgot.too_many"),
        );
        if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    let back = retry_url(state, &params);
    let links = accounts.email_links.clone();
    let email = user.email.as_str().to_owned();
    actix_web::rt::spawn(async move {
        let back = crate::http::people::return_to::checked(&back);
        if let Err(e) = links.resend_verification_returning(&email, back).await {
            log::error!("could not send a verification link: {e}");
        }
    });
    let sign_in = state
        .auth_tx
        .verify(Some(&session), &params, page.auth_tx.as_deref());
    let next = Next {
        params: &params,
        session: Some(&session),
        interaction: Interaction::Continued { sign_in },
    };
    let required = PeopleSettings::of(req).require_verified_email;
    self::page(req, state, &request, &user, required, &next, true)
}
