//! Turning the use case's decision into what the browser sees: a page, a redirect to the
//! client, or an error page.

use crate::http::auth_transaction::AUTH_TX_FIELD;
use crate::http::pages::{self, Ui};
use crate::http::pushed_mark::PUSHED_FIELD;
use crate::http::state::BrowserFlowState;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::services::{
    AuthorizationRequest, AuthorizationResponse, AuthorizeError, AuthorizeOutcome, AuthorizeParams,
    Interaction,
};
use tessera_domain::{Acr, BrowserSession, Client, ClientOrigin, ResponseMode};

/// A fresh request (or one posted without a page action): validate, then decide.
pub(super) async fn start(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
) -> HttpResponse {
    // A request_uri or request object stands for the parameters: from here on those travel.
    let early = ui_for(req, &params);
    let params = match state.authorize.resolve(params).await {
        Ok(p) => p,
        Err(e) => return authorize_error(&early, e),
    };
    match current_session(req, state, &ui_for(req, &params)).await {
        Ok(session) => continue_with(req, state, params, session, Interaction::Start).await,
        Err(r) => r,
    }
}

/// Validates the request, then decides and renders the next step.
pub(super) async fn continue_with(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    session: Option<BrowserSession>,
    interaction: Interaction,
) -> HttpResponse {
    match state.authorize.validate(&params).await {
        Ok(request) => {
            let outcome = state
                .authorize
                .decide(request, session.as_ref(), interaction)
                .await;
            warm_logo(req, &outcome).await;
            let next = Next {
                params: &params,
                session: session.as_ref(),
                interaction,
            };
            render(req, state, outcome, &next)
        }
        Err(e) => authorize_error(&ui_for(req, &params), e),
    }
}

/// The page context of an authorization request: its `ui_locales` (carried through every
/// page as a hidden field), else `Accept-Language`.
pub(super) fn ui_for(req: &HttpRequest, params: &AuthorizeParams) -> Ui {
    Ui::from_request(req, params.other.get("ui_locales").map(String::as_str))
}

/// Before a consent page: the client's logo fetched (or known not to work).
pub(super) async fn warm_logo(
    req: &HttpRequest,
    outcome: &Result<AuthorizeOutcome, AuthorizeError>,
) {
    if let Ok(AuthorizeOutcome::Consent { request, .. }) = outcome {
        crate::http::branding::warm_client_logo(req, &request.client).await;
    }
}

/// What a step knows besides the use case's decision.
pub(super) struct Next<'a> {
    pub(super) params: &'a AuthorizeParams,
    pub(super) session: Option<&'a BrowserSession>,
    pub(super) interaction: Interaction,
}

/// Renders the use case's decision.
pub(super) fn render(
    req: &HttpRequest,
    state: &BrowserFlowState,
    outcome: Result<AuthorizeOutcome, AuthorizeError>,
    next: &Next<'_>,
) -> HttpResponse {
    let ui = ui_for(req, next.params);
    match outcome {
        Err(e) => authorize_error(&ui, e),
        Ok(AuthorizeOutcome::Respond(r)) => respond(&ui, r),
        Ok(AuthorizeOutcome::Login { request }) => {
            let email = request.login_hint.clone().unwrap_or_default();
            login_page(req, state, &request, next.params, (&email, None))
        }
        Ok(AuthorizeOutcome::Consent { request, user }) => {
            consent_page(req, state, &request, user.email.as_str(), next)
        }
        Ok(AuthorizeOutcome::EmailUnverified {
            request,
            user,
            required,
        }) => super::unverified::page(req, state, &request, &user, required, next, false),
        Ok(AuthorizeOutcome::SecondFactorNeeded { request, .. }) => {
            let passkey = request.acr == Some(Acr::PhishingResistant);
            let retry = retry_url(state, next.params);
            ui.respond(
                StatusCode::FORBIDDEN,
                pages::second_factor_needed_page(&ui, shown_name(&request.client), passkey, &retry),
            )
        }
    }
}

/// The authorization request again as a GET URL, for "Try again" (parameters that force
/// re-authentication are kept: the person signs in again at the new level).
pub(super) fn retry_url(state: &BrowserFlowState, params: &AuthorizeParams) -> String {
    let query = serde_urlencoded::to_string(hidden_fields(state, params)).unwrap_or_default();
    format!("/authorize?{query}")
}

/// The consent page; right after a sign-in on this authorization's login page, its form
/// carries the proof of it (see `auth_transaction`).
fn consent_page(
    req: &HttpRequest,
    state: &BrowserFlowState,
    request: &AuthorizationRequest,
    email: &str,
    next: &Next<'_>,
) -> HttpResponse {
    let mut hidden = next.params.pairs();
    if let (true, Some(s)) = (super::unverified::proven_here(next), next.session) {
        let proof = state
            .auth_tx
            .issue(s, hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        hidden.push((AUTH_TX_FIELD.to_owned(), proof));
    }
    // The auth_tx above covers the request's own parameters; the pushed mark goes after it.
    hidden.extend(
        hidden_fields(state, next.params)
            .into_iter()
            .filter(|(name, _)| name == PUSHED_FIELD),
    );
    let scopes: Vec<String> = request
        .scope
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let resources: Vec<pages::ResourceLine> = request
        .resources
        .resources()
        .iter()
        .map(|r| pages::ResourceLine {
            name: r.name.clone(),
            identifier: r.identifier.to_string(),
        })
        .collect();
    let site = (request.client.origin == ClientOrigin::MetadataDocument)
        .then(|| request.client.id.url_host())
        .flatten();
    let ui = ui_for(req, next.params);
    let logo = crate::http::branding::client_logo_url(req, &request.client);
    let described = pages::describe_scopes(&ui, &scopes);
    state.page_in(&ui, req, false, |csrf| {
        let asked = pages::ConsentAsked {
            user_email: email,
            scopes: &described,
            resources: &resources,
            hidden: &hidden,
            csrf,
        };
        match site {
            Some(host) => pages::consent_page_for_site(&ui, host, &request.client.name, &asked),
            None => {
                pages::consent_page_with_logo(&ui, logo.as_deref(), &request.client.name, &asked)
            }
        }
    })
}

/// The name pages show for a client: for one known by its metadata document, the host that
/// publishes it (verified) rather than the name it gives itself (not).
pub(super) fn shown_name(client: &Client) -> &str {
    match client.origin {
        ClientOrigin::MetadataDocument => client.id.url_host().unwrap_or(&client.name),
        _ => &client.name,
    }
}

/// The login page for `request`, with the email to pre-fill and an error after a failure.
pub(super) fn login_page(
    req: &HttpRequest,
    state: &BrowserFlowState,
    request: &AuthorizationRequest,
    params: &AuthorizeParams,
    (email, error): (&str, Option<&str>),
) -> HttpResponse {
    let hidden = hidden_fields(state, params);
    let links = crate::http::people::login_links(req, &retry_url(state, params));
    let upstream_links = super::upstream::login_links(req, &hidden);
    let upstreams: Vec<pages::UpstreamButton<'_>> = upstream_links
        .iter()
        .map(|(name, url)| pages::UpstreamButton { name, url })
        .collect();
    let options = pages::LoginOptions {
        action_url: "/authorize",
        passkeys: state.passkeys,
        forgot_password_url: Some(&links.forgot_password),
        signup_url: links.signup.as_deref(),
        upstreams: &upstreams,
    };
    let ui = ui_for(req, params);
    state.page_in(&ui, req, state.passkeys, |csrf| {
        pages::login_page_with(
            &ui,
            shown_name(&request.client),
            &hidden,
            csrf,
            (email, error),
            options,
        )
    })
}

/// The hidden fields of a page serving `params`: the parameters, with the pushed mark for a
/// request that came from `/par`.
pub(super) fn hidden_fields(
    state: &BrowserFlowState,
    params: &AuthorizeParams,
) -> Vec<(String, String)> {
    state.pushed_marks.hidden_fields(params, state.clock.now())
}

/// The live session behind the cookie, or a 503 page when the store cannot be asked.
pub(super) async fn current_session(
    req: &HttpRequest,
    state: &BrowserFlowState,
    ui: &Ui,
) -> Result<Option<BrowserSession>, HttpResponse> {
    let Some(value) = state.browser.session_value(req) else {
        return Ok(None);
    };
    state
        .sessions
        .session(&value)
        .await
        .map_err(|e| unavailable(ui, &e.to_string()))
}

pub(super) fn authorize_error(ui: &Ui, e: AuthorizeError) -> HttpResponse {
    match e {
        // The detail names the protocol problem for the developer; it stays as the use case
        // wrote it (English).
        AuthorizeError::NotRedirectable(message) => page_error(
            ui,
            StatusCode::BAD_REQUEST,
            ui.t("errors.invalid_link_title"),
            &message,
        ),
        AuthorizeError::Redirect(r) => respond(ui, r),
        AuthorizeError::Repository(e) => unavailable(ui, &e.to_string()),
    }
}

/// Sends an authorization response: a 303 to the redirect URI, or a form post page.
fn respond(ui: &Ui, r: AuthorizationResponse) -> HttpResponse {
    let params = r.params();
    match r.mode {
        ResponseMode::FormPost => pages::form_post_response(ui, &r.redirect_uri, &params),
        ResponseMode::Query => {
            let query = serde_urlencoded::to_string(&params).unwrap_or_default();
            let sep = if r.redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("{}{sep}{query}", r.redirect_uri)))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .finish()
        }
    }
}

pub(super) fn bad_request(ui: &Ui, message: &str) -> HttpResponse {
    page_error(
        ui,
        StatusCode::BAD_REQUEST,
        ui.t("errors.invalid_request_title"),
        message,
    )
}

pub(super) fn unavailable(ui: &Ui, detail: &str) -> HttpResponse {
    log::warn!("authorization endpoint unavailable: {detail}");
    let mut res = page_error(
        ui,
        StatusCode::SERVICE_UNAVAILABLE,
        ui.t("errors.unavailable_title"),
        ui.t("errors.unavailable_sign_in"),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

pub(super) fn page_error(ui: &Ui, status: StatusCode, title: &str, message: &str) -> HttpResponse {
    ui.respond(status, pages::error_page(ui, title, message))
}
