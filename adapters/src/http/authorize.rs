//! `GET, POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2) with the login and consent pages.
//!
//! The pages post back to `/authorize` carrying the original request's parameters as hidden
//! fields; every post re-validates the whole request, so nothing about a pending authorization
//! is trusted from an earlier step. Forms are CSRF-protected, and every redirect answers 303.

use super::audit_trail;
use super::auth_transaction::AUTH_TX_FIELD;
use super::form::OAuthForm;
use super::pages;
use super::HttpState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use tessera_application::ports::random_token;
use tessera_application::services::{
    AuthorizationRequest, AuthorizationResponse, AuthorizeError, AuthorizeOutcome, Interaction,
    LoginError, SignInProof,
};
use tessera_domain::{AuditAction, AuditOutcome, BrowserSession, ResponseMode};

/// Form fields of the pages themselves, never part of the authorization request.
const PAGE_FIELDS: [&str; 6] = [
    "action",
    "csrf_token",
    "email",
    "password",
    "decision",
    AUTH_TX_FIELD,
];

/// `GET /authorize`.
pub async fn authorize_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let params = match OAuthForm::parse(req.query_string().as_bytes()) {
        Ok(f) => f.into_map(),
        Err(e) => return bad_request(&e.to_string()),
    };
    start(&req, &state, params).await
}

/// `POST /authorize`: a form-encoded authorization request, or a login / consent submission.
pub async fn authorize_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => return bad_request(&e.to_string()),
    };
    let action = form.get("action").map(str::to_owned);
    if action.as_deref() == Some("login") {
        if let Err(wait) = state.limiter.check_sign_in(&req) {
            let mut res = page_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many sign-in attempts from your network. Please wait a moment and try again.",
            );
            if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
    }
    if action.is_some() {
        let binding = state.browser.csrf_value(&req);
        if !state
            .csrf
            .verify(binding.as_deref(), form.get("csrf_token"))
        {
            log::info!("authorize form refused: missing or wrong CSRF token");
            return page_error(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Please go back to the application and sign in again.",
            );
        }
    }
    let email = form.get("email").unwrap_or("").to_owned();
    let password = SecretString::from(form.get("password").unwrap_or("").to_owned());
    let decision = form.get("decision").map(str::to_owned);
    let auth_tx = form.get(AUTH_TX_FIELD).map(str::to_owned);
    let mut params = form.into_map();
    for f in PAGE_FIELDS {
        params.remove(f);
    }
    match action.as_deref() {
        None => start(&req, &state, params).await,
        Some("login") => login(&req, &state, params, &email, password).await,
        Some("consent") => {
            let allow = match decision.as_deref() {
                Some("allow") => true,
                Some("deny") => false,
                _ => return bad_request("The consent form was incomplete."),
            };
            let session = current_session(&req, &state).await;
            // Proof that the session's sign-in happened in this authorization, for requests
            // that demand re-authentication; the use case decides whether it is needed.
            let sign_in = match &session {
                Ok(s) => state
                    .auth_tx
                    .verify(s.as_ref(), &params, auth_tx.as_deref()),
                Err(_) => SignInProof::Unproven,
            };
            if let Ok(Some(s)) = &session {
                // A refusal is the consent step failing, not a consent withdrawn.
                let mut e = audit_trail::event(
                    &state,
                    &req,
                    AuditAction::ConsentGiven,
                    audit_trail::outcome(allow),
                )
                .subject(s.user_id.as_str());
                if let Some(client) = params.get("client_id") {
                    e = e.client(client.as_str());
                }
                state
                    .audit
                    .record(e.detail(if allow { "allow" } else { "deny" }));
            }
            continue_with(
                &req,
                &state,
                params,
                session.ok().flatten(),
                Interaction::Consented { allow, sign_in },
                None,
            )
            .await
        }
        Some(_) => bad_request("Unknown form action."),
    }
}

async fn start(
    req: &HttpRequest,
    state: &HttpState,
    params: HashMap<String, String>,
) -> HttpResponse {
    let session = match current_session(req, state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    continue_with(req, state, params, session, Interaction::Start, None).await
}

async fn login(
    req: &HttpRequest,
    state: &HttpState,
    params: HashMap<String, String>,
    email: &str,
    password: SecretString,
) -> HttpResponse {
    // Validate before spending a password hash on a request that cannot succeed; the
    // validated request then serves the rest of the step.
    let request = match state.authorize.validate(&params).await {
        Ok(r) => r,
        Err(e) => return authorize_error(e),
    };
    // The check runs to its end even if the browser goes away: every attempt is counted
    // while its hash runs and only a finished success resets the count.
    let accounts = state.accounts.clone();
    let typed = email.to_owned();
    let now = state.clock.now();
    let (context, device) = state.devices.context(req, &state.limiter, now);
    let signed_in =
        match actix_web::rt::spawn(
            async move { accounts.sign_in(&typed, password, &context).await },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => Err(LoginError::Hasher(format!("the sign-in task failed: {e}"))),
        };
    if matches!(
        signed_in,
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. })
    ) {
        state.limiter.sign_in_failed(req);
        if let Some(d) = &device {
            state.limiter.device_failed(&d.device);
        }
    }
    state.metrics.login_result(signed_in.as_ref().err());
    audit_login(req, state, email, request.client.id.as_str(), &signed_in);
    match signed_in {
        Ok(signed) => {
            if let Some(old) = state.browser.session_value(req) {
                if let Err(e) = state.accounts.sign_out(&old).await {
                    log::warn!("could not end the previous session: {e}");
                }
            }
            let cookie = state.browser.session_cookie(signed.cookie.expose_secret());
            let trusted =
                state
                    .devices
                    .cookie_for(&signed.session.user_id, now, state.rng.as_ref());
            let mut res = proceed(
                req,
                state,
                request,
                params,
                Some(signed.session),
                Interaction::LoggedIn,
                None,
            )
            .await;
            if let Err(e) = res.add_cookie(&cookie) {
                log::error!("could not set the session cookie: {e}");
            }
            if let Some(trusted) = trusted {
                if let Err(e) = res.add_cookie(&trusted) {
                    log::error!("could not set the device cookie: {e}");
                }
            }
            res
        }
        // A locked account (ASVS 6.3.1) gets exactly the wrong-password page: same status
        // (200), same message, and deliberately no `Retry-After`. Only existing accounts can
        // lock, so any difference, a header included, would tell whether the email exists
        // (ASVS 6.3.8). The remaining delay goes only to the log (see `Accounts::sign_in`).
        Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
            proceed(
                req,
                state,
                request,
                params,
                None,
                Interaction::Start,
                Some((email, "The email or password is not correct.")),
            )
            .await
        }
        Err(LoginError::Busy) => {
            let mut res = page_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too busy",
                "Too many people are signing in right now. Please try again in a moment.",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            res
        }
        Err(LoginError::Repository(e)) => unavailable(&e.to_string()),
        Err(LoginError::Hasher(e)) => {
            log::error!("password check failed: {e}");
            page_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again later.",
            )
        }
    }
}

/// The live session behind the cookie, or a 503 page when the store cannot be asked.
async fn current_session(
    req: &HttpRequest,
    state: &HttpState,
) -> Result<Option<BrowserSession>, HttpResponse> {
    let Some(value) = state.browser.session_value(req) else {
        return Ok(None);
    };
    state
        .accounts
        .session(&value)
        .await
        .map_err(|e| unavailable(&e.to_string()))
}

async fn continue_with(
    req: &HttpRequest,
    state: &HttpState,
    params: HashMap<String, String>,
    session: Option<BrowserSession>,
    interaction: Interaction,
    login_error: Option<(&str, &str)>,
) -> HttpResponse {
    match state.authorize.validate(&params).await {
        Ok(request) => {
            proceed(
                req,
                state,
                request,
                params,
                session,
                interaction,
                login_error,
            )
            .await
        }
        Err(e) => authorize_error(e),
    }
}

/// Decides and renders the next step for an already validated request.
async fn proceed(
    req: &HttpRequest,
    state: &HttpState,
    request: AuthorizationRequest,
    params: HashMap<String, String>,
    session: Option<BrowserSession>,
    interaction: Interaction,
    login_error: Option<(&str, &str)>,
) -> HttpResponse {
    let outcome = if login_error.is_some() {
        Ok(AuthorizeOutcome::Login {
            request: Box::new(request),
        })
    } else {
        state
            .authorize
            .decide(request, session.as_ref(), interaction)
            .await
    };
    let mut hidden: Vec<(String, String)> = params.into_iter().collect();
    hidden.sort();
    match outcome {
        Err(e) => authorize_error(e),
        Ok(AuthorizeOutcome::Respond(r)) => respond(r),
        Ok(AuthorizeOutcome::Login { request }) => {
            let (binding, new_cookie) = csrf_binding(req, state);
            let (email, error) = match login_error {
                Some((email, message)) => (email.to_owned(), Some(message)),
                None => (request.login_hint.clone().unwrap_or_default(), None),
            };
            let body = pages::login_page(
                &request.client.name,
                &hidden,
                &state.csrf.token_for(&binding),
                &email,
                error,
            );
            with_cookie(
                pages::html_response(StatusCode::OK, body),
                new_cookie.then(|| state.browser.csrf_cookie(&binding)),
            )
        }
        Ok(AuthorizeOutcome::Consent { request, user }) => {
            let (binding, new_cookie) = csrf_binding(req, state);
            // Right after a sign-in on this authorization's login page, the consent form
            // carries the proof of it (see `auth_transaction`).
            if let (Interaction::LoggedIn, Some(s)) = (interaction, session.as_ref()) {
                let proof = state
                    .auth_tx
                    .issue(s, hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                hidden.push((AUTH_TX_FIELD.to_owned(), proof));
            }
            let scopes: Vec<String> = request
                .scope
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            let body = pages::consent_page(
                &request.client.name,
                user.email.as_str(),
                &pages::describe_scopes(&scopes),
                &hidden,
                &state.csrf.token_for(&binding),
            );
            with_cookie(
                pages::html_response(StatusCode::OK, body),
                new_cookie.then(|| state.browser.csrf_cookie(&binding)),
            )
        }
    }
}

/// The browser's CSRF binding value, and whether it is new and must be set.
fn csrf_binding(req: &HttpRequest, state: &HttpState) -> (String, bool) {
    match state.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (random_token(state.rng.as_ref(), 32), true),
    }
}

fn with_cookie(
    mut res: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    if let Some(c) = cookie {
        if let Err(e) = res.add_cookie(&c) {
            log::error!("could not set a cookie: {e}");
        }
    }
    res
}

fn authorize_error(e: AuthorizeError) -> HttpResponse {
    match e {
        AuthorizeError::NotRedirectable(message) => page_error(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            &message,
        ),
        AuthorizeError::Redirect(r) => respond(r),
        AuthorizeError::Repository(e) => unavailable(&e.to_string()),
    }
}

/// Sends an authorization response: a 303 to the redirect URI, or a form post page.
fn respond(r: AuthorizationResponse) -> HttpResponse {
    match r.mode {
        ResponseMode::FormPost => pages::form_post_response(&r.redirect_uri, &r.params),
        ResponseMode::Query => {
            let query = serde_urlencoded::to_string(&r.params).unwrap_or_default();
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

fn bad_request(message: &str) -> HttpResponse {
    page_error(
        StatusCode::BAD_REQUEST,
        "This request is not valid",
        message,
    )
}

fn unavailable(detail: &str) -> HttpResponse {
    log::warn!("authorization endpoint unavailable: {detail}");
    let mut res = page_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Sign-in is temporarily unavailable. Please try again in a moment.",
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

fn page_error(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    pages::html_response(status, pages::error_page(title, message))
}

/// Records a sign-in through the login page: who tried (the email typed), for which client,
/// from where, and how it ended. Failures never carry the password.
fn audit_login(
    req: &HttpRequest,
    state: &HttpState,
    email: &str,
    client_id: &str,
    result: &Result<tessera_application::services::SignedIn, LoginError>,
) {
    let (action, outcome, detail) = match result {
        Ok(_) => (
            AuditAction::LoginSucceeded,
            AuditOutcome::Success,
            "login page",
        ),
        Err(LoginError::Locked { .. }) => (
            AuditAction::LoginFailed,
            AuditOutcome::Failure,
            "login page: account locked",
        ),
        Err(LoginError::InvalidCredentials) => (
            AuditAction::LoginFailed,
            AuditOutcome::Failure,
            "login page: bad credentials",
        ),
        Err(_) => return,
    };
    let mut e = audit_trail::event(state, req, action, outcome)
        .actor(email)
        .client(client_id)
        .detail(detail);
    if let Ok(signed) = result {
        e = e.subject(signed.session.user_id.as_str());
    }
    state.audit.record(e);
}
