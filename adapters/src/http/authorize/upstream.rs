//! Sign-in through an upstream identity provider, at the edge.
//!
//! - `GET /upstream/{id}/start?<the authorization request>`: the login page's "Sign in with
//!   {name}" link. Starts the upstream's authorization code flow (PKCE S256, `state`,
//!   `nonce`) and keeps the pending sign-in with the authorization request it serves in a
//!   sealed, HttpOnly cookie: bound to this browser and to this request.
//! - `GET /upstream/{id}/callback`: the upstream's answer; checked by the use case, then the
//!   authorization request goes on at Tessera (second factor, consent) as after a password.
//! - `POST /upstream/link`: the password of an existing account with the same email, before
//!   the upstream identity is linked to it.

mod cookies;
pub(crate) mod link;

use super::render::{authorize_error, current_session, hidden_fields};
use super::second_step;
use super::sign_in::continue_signed_in;
use crate::http::form::OAuthForm;
use crate::http::pages::{self, UpstreamProblem};
use crate::http::state::{BrowserFlowState, UpstreamState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use cookies::{PendingCookie, PENDING_COOKIE};
use std::time::Instant;
use tessera_application::services::{
    AuthorizeParams, LoginError, PageSignInOutcome, UpstreamAccount, UpstreamCallback,
    UpstreamSignInError, VerifiedUpstreamPerson,
};
use tessera_domain::{User, UserId};

pub(crate) use link::link_post;

/// Reads the list of upstreams again when it is stale, so the login page links to each
/// (called before a page that may show the login form).
pub(crate) async fn refresh_buttons(req: &HttpRequest) {
    let Some(up) = req.app_data::<web::Data<UpstreamState>>() else {
        return;
    };
    let now = Instant::now();
    if !up.buttons.is_stale(now) {
        return;
    }
    match up.upstreams.list().await {
        Ok(list) => up.buttons.set(
            now,
            list.into_iter()
                .map(|u| (u.id.as_str().to_owned(), u.name))
                .collect(),
        ),
        Err(e) => log::warn!("could not list the upstream providers: {e}"),
    }
}

/// The login page's links, one per upstream: `(name, url)`, the URL carrying the page's hidden
/// fields (the authorization request) to the start route.
pub(crate) fn login_links(req: &HttpRequest, hidden: &[(String, String)]) -> Vec<(String, String)> {
    let Some(up) = req.app_data::<web::Data<UpstreamState>>() else {
        return Vec::new();
    };
    let query = serde_urlencoded::to_string(hidden).unwrap_or_default();
    up.buttons
        .current()
        .iter()
        .map(|(id, name)| (name.clone(), format!("/upstream/{id}/start?{query}")))
        .collect()
}

/// The page for a problem, with the way back to the login page of `params` when known.
fn problem(
    req: &HttpRequest,
    state: &BrowserFlowState,
    status: StatusCode,
    what: UpstreamProblem,
    params: Option<&AuthorizeParams>,
) -> HttpResponse {
    let ui = pages::Ui::from_request(
        req,
        params.and_then(|p| p.other.get("ui_locales").map(String::as_str)),
    );
    let back = params.map(|p| {
        let query = serde_urlencoded::to_string(hidden_fields(state, p)).unwrap_or_default();
        format!("/authorize?{query}")
    });
    ui.respond(
        status,
        pages::upstream_problem_page(&ui, what, back.as_deref()),
    )
}

/// A use-case failure as its page: a provider that is down is `502`, everything else `400`
/// (or `503` when our own storage failed).
fn failure(
    req: &HttpRequest,
    state: &BrowserFlowState,
    e: &UpstreamSignInError,
    params: Option<&AuthorizeParams>,
) -> HttpResponse {
    use UpstreamSignInError as E;
    log::info!("upstream sign-in refused: {e}");
    let (status, what) = match e {
        E::UnknownUpstream => (StatusCode::NOT_FOUND, UpstreamProblem::Unknown),
        E::NoPendingLogin => (StatusCode::BAD_REQUEST, UpstreamProblem::Expired),
        E::Unavailable(_) => (StatusCode::BAD_GATEWAY, UpstreamProblem::Unavailable),
        E::Refused(_) => (StatusCode::BAD_REQUEST, UpstreamProblem::Refused),
        E::Disabled | E::LinkRefused => (StatusCode::FORBIDDEN, UpstreamProblem::NotLinkable),
        E::Repository(r) => {
            log::warn!("upstream sign-in: storage failed: {r}");
            return super::render::unavailable(
                &crate::http::pages::Ui::from_request(req, None),
                &r.to_string(),
            );
        }
        E::Secret => (StatusCode::BAD_GATEWAY, UpstreamProblem::Unavailable),
        E::State | E::Replayed | E::MixUp | E::NoCode | E::Invalid(_) => {
            (StatusCode::BAD_REQUEST, UpstreamProblem::Invalid)
        }
    };
    problem(req, state, status, what, params)
}

/// The authorization request as the pages carried it: the fields, with the pushed mark.
fn params_of(state: &BrowserFlowState, pairs: Vec<(String, String)>) -> Option<AuthorizeParams> {
    let query = serde_urlencoded::to_string(&pairs).ok()?;
    let form = OAuthForm::parse(query.as_bytes()).ok()?;
    Some(super::request_params(state, form))
}

// `GET /upstream/{id}/start`.
/// Starts a sign-in at an upstream identity provider (the login page's "Sign in with {name}")
#[utoipa::path(get, path = "/upstream/{id}/start", tag = "oauth",
    description = "Browser endpoint. Carries the pending authorization request as its query; \
                   redirects to the upstream provider's authorization endpoint.",
    params(("id" = String, Path, description = "The upstream's id")),
    responses(
        (status = 303, description = "To the upstream's authorization endpoint", headers(("Location" = String))),
        (status = 400, description = "The authorization request is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "No such upstream", body = String, content_type = "text/html"),
        (status = 502, description = "The upstream cannot be reached", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn start_get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<BrowserFlowState>,
    up: web::Data<UpstreamState>,
) -> HttpResponse {
    let form = match OAuthForm::parse(req.query_string().as_bytes()) {
        Ok(f) => f,
        Err(e) => {
            return super::render::bad_request(
                &crate::http::pages::Ui::from_request(&req, None),
                &e.to_string(),
            )
        }
    };
    let params = super::request_params(&state, form);
    if let Err(e) = state.authorize.validate(&params).await {
        return authorize_error(&crate::http::pages::Ui::from_request(&req, None), e);
    }
    let started = match up.upstreams.start(&id, None).await {
        Ok(s) => s,
        Err(e) => return failure(&req, &state, &e, Some(&params)),
    };
    let cookie = PendingCookie {
        login: started.pending,
        params: hidden_fields(&state, &params),
    };
    redirect_with(&state, &up, &started.authorization_url, &cookie)
}

/// A `303` to the upstream, setting the pending cookie.
fn redirect_with(
    state: &BrowserFlowState,
    up: &UpstreamState,
    location: &str,
    cookie: &PendingCookie,
) -> HttpResponse {
    let Some(sealed) = cookies::seal(up, &state.browser, PENDING_COOKIE, cookie) else {
        return super::render::page_error(
            &crate::http::pages::Ui::default(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Please try again later.",
        );
    };
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish();
    if let Err(e) = res.add_cookie(&sealed) {
        log::error!("could not set the upstream cookie: {e}");
    }
    res
}

// `GET /upstream/{id}/callback`.
/// Return point from an upstream identity provider (RFC 6749 §4.1.2, RFC 9207 `iss`)
#[utoipa::path(get, path = "/upstream/{id}/callback", tag = "oauth",
    description = "Browser endpoint. Checks state (single use, bound to this browser), iss, the \
                   code and the ID token, then continues the pending authorization request.",
    params(
        ("id" = String, Path, description = "The upstream's id"),
        ("code" = Option<String>, Query),
        ("state" = Option<String>, Query),
        ("iss" = Option<String>, Query, description = "RFC 9207"),
        ("error" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "The next page (second factor, consent, linking)", body = String, content_type = "text/html"),
        (status = 303, description = "The authorization response to the client, or the account page", headers(("Location" = String))),
        (status = 400, description = "Refused (state, iss, ID token): nothing was created", body = String, content_type = "text/html"),
        (status = 502, description = "The upstream cannot be reached: nothing was created", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn callback_get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<BrowserFlowState>,
    up: web::Data<UpstreamState>,
) -> HttpResponse {
    let pending: Option<PendingCookie> = cookies::open(&up, &req, &state.browser, PENDING_COOKIE);
    let params = pending
        .as_ref()
        .and_then(|p| params_of(&state, p.params.clone()));
    let mut res = callback(&req, &id, &state, &up, pending, params).await;
    // The pending sign-in is spent whatever happened.
    if let Err(e) = res.add_cookie(&cookies::expired(&state.browser, PENDING_COOKIE)) {
        log::error!("could not clear the upstream cookie: {e}");
    }
    res
}

async fn callback(
    req: &HttpRequest,
    id: &str,
    state: &BrowserFlowState,
    up: &UpstreamState,
    pending: Option<PendingCookie>,
    params: Option<AuthorizeParams>,
) -> HttpResponse {
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let once = |name: &str| {
        let mut values = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(v), None) if !v.is_empty() => Some(v.clone()),
            _ => None,
        }
    };
    let answer = UpstreamCallback {
        code: once("code"),
        state: once("state"),
        iss: once("iss"),
        error: once("error"),
    };
    let ctx = state.request_context(req);
    let login = pending.as_ref().map(|p| &p.login);
    let person = match up.upstreams.finish(&ctx, id, login, answer).await {
        Ok(p) => p,
        Err(e) => return failure(req, state, &e, params.as_ref()),
    };
    let link_for = login
        .and_then(|l| l.link_for.as_deref())
        .and_then(|u| UserId::parse(u).ok());
    if let Some(user) = link_for {
        return link::finish_account_link(req, state, up, &person, &user).await;
    }
    let Some(params) = params else {
        return failure(req, state, &UpstreamSignInError::NoPendingLogin, None);
    };
    let account = match up.upstreams.resolve(&ctx, &person, None).await {
        Ok(a) => a,
        Err(e) => return failure(req, state, &e, Some(&params)),
    };
    match account {
        UpstreamAccount::SignIn(user) | UpstreamAccount::Linked(user) => {
            sign_in_federated(req, state, up, &params, &user, &person).await
        }
        UpstreamAccount::ProveExisting(user) => {
            link::ask_for_proof(req, state, up, &params, &person, &user)
        }
        UpstreamAccount::NoAccount => problem(
            req,
            state,
            StatusCode::FORBIDDEN,
            UpstreamProblem::NoAccount,
            Some(&params),
        ),
        UpstreamAccount::NoEmail => problem(
            req,
            state,
            StatusCode::FORBIDDEN,
            UpstreamProblem::NoEmail,
            Some(&params),
        ),
    }
}

/// Signs `user` in (`amr` `fed`) and continues the authorization request: the second factor
/// when the account has one, then consent or the code, exactly as after a password.
pub(super) async fn sign_in_federated(
    req: &HttpRequest,
    state: &BrowserFlowState,
    up: &UpstreamState,
    params: &AuthorizeParams,
    user: &User,
    person: &VerifiedUpstreamPerson,
) -> HttpResponse {
    let request = match state.authorize.validate(params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(&crate::http::pages::Ui::from_request(req, None), e),
    };
    let ctx = state.request_context(req);
    let now = ctx.now;
    let outcome = up
        .sign_in
        .federated(
            &ctx,
            user,
            person.upstream.as_str(),
            request.client.id.as_str(),
            state.browser.session_value(req).as_deref(),
        )
        .await;
    match outcome {
        Ok(PageSignInOutcome::SignedIn(signed)) => {
            continue_signed_in(req, state, request, params, &signed, now).await
        }
        Ok(PageSignInOutcome::SecondFactorDue(step)) => {
            second_step::page(req, state, params, &step, None)
        }
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => problem(
            req,
            state,
            StatusCode::FORBIDDEN,
            UpstreamProblem::NotLinkable,
            Some(params),
        ),
        Err(e) => super::sign_in::login_fault(&crate::http::pages::Ui::from_request(req, None), e),
    }
}

/// The live session of this browser, for linking from the account page.
pub(super) async fn session_user(req: &HttpRequest, state: &BrowserFlowState) -> Option<UserId> {
    current_session(req, state, &crate::http::pages::Ui::from_request(req, None))
        .await
        .ok()
        .flatten()
        .map(|s| s.user_id)
}

/// The signed-in person behind a CSRF-checked account-page form, or the refusal.
async fn account_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &BrowserFlowState,
) -> Result<UserId, HttpResponse> {
    let form = OAuthForm::read(req, payload).await.map_err(|e| {
        super::render::bad_request(
            &crate::http::pages::Ui::from_request(req, None),
            &e.to_string(),
        )
    })?;
    if let Some(refused) = super::sign_in::guard(req, state, "account", &form).await {
        return Err(refused);
    }
    session_user(req, state).await.ok_or_else(|| {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, crate::http::paths::ACCOUNT))
            .finish()
    })
}

// `POST /upstream/{id}/link`.
/// From the account page: signs in at an upstream to link it to the signed-in account
#[utoipa::path(post, path = "/upstream/{id}/link", tag = "account",
    description = "Browser endpoint (CSRF-protected, signed in). Redirects to the upstream; its \
                   callback links the identity and returns to /account.",
    params(("id" = String, Path, description = "The upstream's id")),
    responses(
        (status = 303, description = "To the upstream (or to /account when not signed in)", headers(("Location" = String))),
        (status = 403, description = "CSRF token missing or wrong", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn account_link_post(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
    up: web::Data<UpstreamState>,
) -> HttpResponse {
    let user = match account_form(&req, payload, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    match up.upstreams.start(&id, Some(&user)).await {
        Ok(started) => {
            let cookie = PendingCookie {
                login: started.pending,
                params: Vec::new(),
            };
            redirect_with(&state, &up, &started.authorization_url, &cookie)
        }
        Err(e) => failure(&req, &state, &e, None),
    }
}

// `POST /upstream/{id}/unlink`.
/// From the account page: removes the link to an upstream (refused for the last way in)
#[utoipa::path(post, path = "/upstream/{id}/unlink", tag = "account",
    description = "Browser endpoint (CSRF-protected, signed in). Refused when the account has no \
                   password and no other link.",
    params(("id" = String, Path, description = "The upstream's id")),
    responses(
        (status = 303, description = "Back to /account", headers(("Location" = String))),
        (status = 403, description = "CSRF token wrong, or the last way in", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn account_unlink_post(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
    up: web::Data<UpstreamState>,
) -> HttpResponse {
    let user_id = match account_form(&req, payload, &state).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let user = match up.upstreams.user(&user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return failure(&req, &state, &UpstreamSignInError::LinkRefused, None),
        Err(e) => {
            return super::render::unavailable(
                &crate::http::pages::Ui::from_request(&req, None),
                &e.to_string(),
            )
        }
    };
    let ctx = state.request_context(&req);
    match up.upstreams.unlink(&ctx, &user, &id).await {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, crate::http::paths::ACCOUNT))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(UpstreamSignInError::LinkRefused) => problem(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            UpstreamProblem::LastWayIn,
            None,
        ),
        Err(e) => failure(&req, &state, &e, None),
    }
}

/// The account page's lines of upstreams (linked or not) for `user`; empty when no upstream
/// is registered (the section is then left out).
pub(crate) async fn account_lines(
    req: &HttpRequest,
    user: &UserId,
) -> Vec<pages::AccountUpstreamLine> {
    let Some(up) = req.app_data::<web::Data<UpstreamState>>() else {
        return Vec::new();
    };
    let (all, linked) = match (up.upstreams.list().await, up.upstreams.links_of(user).await) {
        (Ok(a), Ok(l)) => (a, l),
        (Err(e), _) | (_, Err(e)) => {
            log::warn!("account page: upstream links unavailable: {e}");
            return Vec::new();
        }
    };
    all.into_iter()
        .map(|u| pages::AccountUpstreamLine {
            linked: linked.iter().any(|(l, _)| l.upstream == u.id),
            id: u.id.as_str().to_owned(),
            name: u.name,
        })
        .collect()
}

/// The account page's HTML with the upstream section put before its sign-out link.
pub(crate) fn with_account_section(
    req: &HttpRequest,
    html: String,
    lines: &[pages::AccountUpstreamLine],
    csrf: &str,
) -> String {
    if lines.is_empty() {
        return html;
    }
    let ui = pages::Ui::from_request(req, None);
    let section = pages::account_upstreams_section(&ui, csrf, lines);
    const MARKER: &str = "<p class=\"muted\"><a href=\"/logout\">";
    match html.find(MARKER).or_else(|| html.find("</main>")) {
        Some(at) => {
            let (head, tail) = html.split_at(at);
            format!("{head}{section}{tail}")
        }
        None => html,
    }
}
