//! `GET /logout` (OIDC RP-Initiated Logout 1.0) and the confirmation `POST /logout`.

use super::form::OAuthForm;
use super::pages::{self, Ui};
use super::state::BrowserFlowState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;
use tessera_application::services::{LogoutError, LogoutRequest};
use tessera_application::RepositoryError;
use tessera_domain::BrowserSession;

const PARAMS: [&str; 5] = [
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
    "ui_locales",
];

// `GET /logout`: signs out at once when a valid `id_token_hint` vouches for the request,
// otherwise asks the person to confirm (a bare GET never ends a session on its own word).
/// RP-initiated logout (`end_session_endpoint`)
#[utoipa::path(get, path = "/logout", tag = "oauth",
    description = "Browser endpoint: signs out at once with a valid `id_token_hint`, otherwise \
                   asks for confirmation. Answers HTML or a redirect.",
    params(
        ("id_token_hint" = Option<String>, Query),
        ("post_logout_redirect_uri" = Option<String>, Query),
        ("state" = Option<String>, Query),
        ("client_id" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "The confirmation or signed-out page", body = String, content_type = "text/html"),
        (status = 303, description = "To the registered post-logout redirect URI", headers(("Location" = String))),
        (status = 400, description = "An error page", body = String, content_type = "text/html"),
    ))]
pub async fn logout_get(req: HttpRequest, state: web::Data<BrowserFlowState>) -> HttpResponse {
    let params = match OAuthForm::parse(req.query_string().as_bytes()) {
        Ok(f) => f.into_map(),
        Err(e) => {
            let ui = Ui::from_request(&req, None);
            return error(&ui, StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    run(&req, &state, params, false).await
}

// `POST /logout`: the confirmation form (CSRF-protected).
/// Logout confirmation (CSRF-protected form)
#[utoipa::path(post, path = "/logout", tag = "oauth",
    request_body(content = crate::http::wire::LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The signed-out page", body = String, content_type = "text/html"),
        (status = 303, description = "To the registered post-logout redirect URI", headers(("Location" = String))),
        (status = 400, description = "An error page", body = String, content_type = "text/html"),
    ))]
pub async fn logout_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => {
            let ui = Ui::from_request(&req, None);
            return error(&ui, StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    let ui = Ui::from_request(&req, form.get("ui_locales"));
    let binding = state.browser.csrf_value(&req);
    if !state
        .csrf
        .verify(binding.as_deref(), form.get("csrf_token"))
        || form.get("confirm") != Some("yes")
    {
        return error(&ui, StatusCode::FORBIDDEN, ui.t("logout.form_expired"));
    }
    let params = form.into_map();
    run(&req, &state, params, true).await
}

/// The logout request's parameters, as the use case reads them.
fn logout_request(params: &HashMap<String, String>) -> LogoutRequest {
    let get = |k: &str| params.get(k).cloned();
    LogoutRequest {
        id_token_hint: get("id_token_hint"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
        state: get("state"),
        client_id: get("client_id"),
    }
}

/// Plans the logout, asks for confirmation when the request is not vouched for, otherwise
/// ends the session and leaves.
async fn run(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: HashMap<String, String>,
    confirmed: bool,
) -> HttpResponse {
    // OIDC RP-Initiated Logout §2: `ui_locales` chooses the pages' language.
    let ui = Ui::from_request(req, params.get("ui_locales").map(String::as_str));
    let cookie = state.browser.session_value(req);
    let Ok(session) = current_session(state, cookie.as_deref()).await else {
        return unavailable(&ui);
    };
    let request = logout_request(&params);
    let user = session.as_ref().map(|s| &s.user_id);
    let plan = match state.logout.plan(&request, user).await {
        Ok(p) => p,
        Err(LogoutError::InvalidRequest(m)) => return error(&ui, StatusCode::BAD_REQUEST, &m),
        Err(LogoutError::Repository(_)) => return unavailable(&ui),
    };
    if plan.needs_confirmation && !confirmed {
        return confirm_page(&ui, req, state, params);
    }
    if let Some(v) = &cookie {
        if state.sessions.sign_out(v).await.is_err() {
            return unavailable(&ui);
        }
    }
    signed_out(&ui, state, plan.redirect)
}

/// The live session behind the cookie, if any.
async fn current_session(
    state: &BrowserFlowState,
    cookie: Option<&str>,
) -> Result<Option<BrowserSession>, RepositoryError> {
    match cookie {
        Some(v) => state.sessions.session(v).await,
        None => Ok(None),
    }
}

/// The confirmation page, carrying the logout parameters (and nothing else) back.
fn confirm_page(
    ui: &Ui,
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: HashMap<String, String>,
) -> HttpResponse {
    let mut hidden: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| PARAMS.contains(&k.as_str()))
        .collect();
    hidden.sort();
    state.page_in(ui, req, false, |csrf| {
        pages::logout_confirm_page(ui, &hidden, csrf)
    })
}

/// After the session ended: to the client's page, or the signed-out page; the cookie goes.
fn signed_out(ui: &Ui, state: &BrowserFlowState, redirect: Option<String>) -> HttpResponse {
    let mut res = match redirect {
        Some(target) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .finish(),
        None => ui.respond(StatusCode::OK, pages::logged_out_page(ui)),
    };
    if let Err(e) = res.add_cookie(&state.browser.expired_session_cookie()) {
        log::error!("could not expire the session cookie: {e}");
    }
    res
}

fn error(ui: &Ui, status: StatusCode, message: &str) -> HttpResponse {
    ui.respond(
        status,
        pages::error_page(ui, ui.t("logout.failed_title"), message),
    )
}

fn unavailable(ui: &Ui) -> HttpResponse {
    let mut res = ui.respond(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::error_page(
            ui,
            ui.t("errors.unavailable_title"),
            ui.t("errors.unavailable"),
        ),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

#[cfg(test)]
mod tests;
