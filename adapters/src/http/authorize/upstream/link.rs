//! Linking an upstream identity to an existing account: never on the email alone. The person
//! proves the account with its password (`POST /upstream/link`), or is signed in to it and
//! started the sign-in from the account page.

use super::cookies::{self, LinkCookie, LINK_COOKIE};
use super::{failure, params_of, session_user, sign_in_federated};
use crate::http::form::OAuthForm;
use crate::http::pages::{self, LinkProof};
use crate::http::state::{BrowserFlowState, UpstreamState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use tessera_application::ports::random_token;
use tessera_application::services::{
    AuthorizeParams, LoginError, SignInContext, UpstreamSignInError, VerifiedUpstreamPerson,
    UPSTREAM_LOGIN_TTL_SECS,
};
use tessera_domain::{UpstreamId, UpstreamSubject, User, UserId};

/// Where the proof form posts.
pub(crate) const LINK_PATH: &str = "/upstream/link";

/// The page asking for the existing account's password, with the verified identity kept in
/// a sealed cookie until it is given.
pub(super) fn ask_for_proof(
    req: &HttpRequest,
    state: &BrowserFlowState,
    up: &UpstreamState,
    params: &AuthorizeParams,
    person: &VerifiedUpstreamPerson,
    user: &User,
) -> HttpResponse {
    let now = state.clock.now().as_secs();
    let pending = LinkCookie {
        upstream: person.upstream.as_str().to_owned(),
        upstream_name: person.upstream_name.clone(),
        subject: person.subject.as_str().to_owned(),
        email: person.email.clone(),
        email_verified: person.email_verified,
        name: person.name.clone(),
        user: user.id.as_str().to_owned(),
        params: super::hidden_fields(state, params),
        expires_at: now + UPSTREAM_LOGIN_TTL_SECS,
    };
    let Some(cookie) = cookies::seal(up, &state.browser, LINK_COOKIE, &pending) else {
        return super::super::render::unavailable(
            &crate::http::pages::Ui::from_request(req, None),
            "the link cookie could not be sealed",
        );
    };
    let mut res = proof_page(req, state, &pending, user.email.as_str(), None);
    if let Err(e) = res.add_cookie(&cookie) {
        log::error!("could not set the link cookie: {e}");
    }
    res
}

fn proof_page(
    req: &HttpRequest,
    state: &BrowserFlowState,
    pending: &LinkCookie,
    email: &str,
    error: Option<&str>,
) -> HttpResponse {
    let ui = pages::Ui::from_request(req, None);
    let cancel = format!(
        "/authorize?{}",
        serde_urlencoded::to_string(&pending.params).unwrap_or_default()
    );
    // The CSRF binding cookie, set here when the browser has none yet (as every form page).
    let (binding, new) = match state.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (random_token(state.rng.as_ref(), 32), true),
    };
    let csrf = state.csrf.token_for(&binding);
    let html = pages::link_proof_page(
        &ui,
        LinkProof {
            provider: &pending.upstream_name,
            email,
            csrf: &csrf,
            action_url: LINK_PATH,
            cancel_url: &cancel,
        },
        error,
    );
    let mut res = ui.respond(StatusCode::OK, html);
    if new {
        if let Err(e) = res.add_cookie(&state.browser.csrf_cookie(&binding)) {
            log::error!("could not set the CSRF cookie: {e}");
        }
    }
    res
}

fn person_of(pending: &LinkCookie) -> Option<VerifiedUpstreamPerson> {
    Some(VerifiedUpstreamPerson {
        upstream: UpstreamId::parse(&pending.upstream).ok()?,
        upstream_name: pending.upstream_name.clone(),
        subject: UpstreamSubject::parse(&pending.subject).ok()?,
        email: pending.email.clone(),
        email_verified: pending.email_verified,
        name: pending.name.clone(),
    })
}

// `POST /upstream/link`.
/// The password of an existing account, before an upstream identity is linked to it
#[utoipa::path(post, path = "/upstream/link", tag = "oauth",
    description = "Browser endpoint (CSRF-protected). Links the identity verified by the \
                   upstream to the existing account with the same email once its password is shown.",
    responses(
        (status = 200, description = "The next page, or the form again after a wrong password", body = String, content_type = "text/html"),
        (status = 303, description = "The authorization response", headers(("Location" = String))),
        (status = 400, description = "No pending link in this browser", body = String, content_type = "text/html"),
        (status = 403, description = "CSRF token missing or wrong", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn link_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
    up: web::Data<UpstreamState>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => {
            return super::super::render::bad_request(
                &crate::http::pages::Ui::from_request(&req, None),
                &e.to_string(),
            )
        }
    };
    if let Some(refused) = super::super::sign_in::guard(&req, &state, "login", &form).await {
        return refused;
    }
    let now = state.clock.now().as_secs();
    let pending: Option<LinkCookie> = cookies::open(&up, &req, &state.browser, LINK_COOKIE)
        .filter(|p: &LinkCookie| now < p.expires_at);
    let Some(pending) = pending else {
        return failure(&req, &state, &UpstreamSignInError::NoPendingLogin, None);
    };
    let (Some(person), Some(params)) = (
        person_of(&pending),
        params_of(&state, pending.params.clone()),
    ) else {
        return failure(&req, &state, &UpstreamSignInError::NoPendingLogin, None);
    };
    let Ok(Some(user)) = find_user(&up, &pending.user).await else {
        return failure(
            &req,
            &state,
            &UpstreamSignInError::NoPendingLogin,
            Some(&params),
        );
    };
    let password = SecretString::from(form.get("password").unwrap_or("").to_owned());
    let checked = up
        .accounts
        .check_first_factor(user.email.as_str(), password, &SignInContext::anonymous())
        .await;
    let proven = match checked {
        Ok(u) if u.id == user.id => u,
        Ok(_) | Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
            state.limiter.sign_in_failed(&req).await;
            let ui = pages::Ui::from_request(&req, None);
            return proof_page(
                &req,
                &state,
                &pending,
                user.email.as_str(),
                Some(ui.t("upstream.link_wrong")),
            );
        }
        Err(e) => {
            return super::super::sign_in::login_fault(
                &crate::http::pages::Ui::from_request(&req, None),
                e,
            )
        }
    };
    let ctx = state.request_context(&req);
    if let Err(e) = up.upstreams.link(&ctx, &person, &proven).await {
        return failure(&req, &state, &e, Some(&params));
    }
    let mut res = sign_in_federated(&req, &state, &up, &params, &proven, &person).await;
    if let Err(e) = res.add_cookie(&cookies::expired(&state.browser, LINK_COOKIE)) {
        log::error!("could not clear the link cookie: {e}");
    }
    res
}

async fn find_user(up: &UpstreamState, id: &str) -> Result<Option<User>, ()> {
    let id = UserId::parse(id).map_err(|_| ())?;
    up.upstreams.user(&id).await.map_err(|_| ())
}

/// The end of a sign-in started from the account page to link another way in: the browser
/// must still hold that account's session; then the identity is linked and the person goes
/// back to `/account`.
pub(super) async fn finish_account_link(
    req: &HttpRequest,
    state: &BrowserFlowState,
    up: &UpstreamState,
    person: &VerifiedUpstreamPerson,
    user: &UserId,
) -> HttpResponse {
    if session_user(req, state).await.as_ref() != Some(user) {
        return failure(req, state, &UpstreamSignInError::LinkRefused, None);
    }
    let ctx = state.request_context(req);
    match up.upstreams.resolve(&ctx, person, Some(user)).await {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, crate::http::paths::ACCOUNT))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => failure(req, state, &e, None),
    }
}
