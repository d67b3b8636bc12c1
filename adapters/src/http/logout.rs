//! `GET /logout` (OIDC RP-Initiated Logout 1.0) and the confirmation `POST /logout`.

use super::browser::page_with_csrf;
use super::form::OAuthForm;
use super::pages;
use super::HttpState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;
use tessera_application::services::{LogoutError, LogoutRequest};

const PARAMS: [&str; 4] = [
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
];

/// `GET /logout`: signs out at once when a valid `id_token_hint` vouches for the request,
/// otherwise asks the person to confirm (a bare GET never ends a session on its own word).
pub async fn logout_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let params = match OAuthForm::parse(req.query_string().as_bytes()) {
        Ok(f) => f.into_map(),
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    run(&req, &state, params, false).await
}

/// `POST /logout`: the confirmation form (CSRF-protected).
pub async fn logout_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let binding = state.browser.csrf_value(&req);
    if !state
        .csrf
        .verify(binding.as_deref(), form.get("csrf_token"))
        || form.get("confirm") != Some("yes")
    {
        return error(
            StatusCode::FORBIDDEN,
            "This sign-out form has expired; please try again.",
        );
    }
    let params = form.into_map();
    run(&req, &state, params, true).await
}

async fn run(
    req: &HttpRequest,
    state: &HttpState,
    params: HashMap<String, String>,
    confirmed: bool,
) -> HttpResponse {
    let get = |k: &str| params.get(k).cloned();
    let request = LogoutRequest {
        id_token_hint: get("id_token_hint"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
        state: get("state"),
        client_id: get("client_id"),
    };
    let cookie = state.browser.session_value(req);
    let session = match &cookie {
        Some(v) => match state.accounts.session(v).await {
            Ok(s) => s,
            Err(_) => return unavailable(),
        },
        None => None,
    };
    let plan = match state
        .logout
        .plan(&request, session.as_ref().map(|s| &s.user_id))
        .await
    {
        Ok(p) => p,
        Err(LogoutError::InvalidRequest(m)) => return error(StatusCode::BAD_REQUEST, &m),
        Err(LogoutError::Repository(_)) => return unavailable(),
    };
    if plan.needs_confirmation && !confirmed {
        let mut hidden: Vec<(String, String)> = params
            .into_iter()
            .filter(|(k, _)| PARAMS.contains(&k.as_str()))
            .collect();
        hidden.sort();
        return page_with_csrf(req, state, |csrf| pages::logout_confirm_page(&hidden, csrf));
    }
    if let Some(v) = &cookie {
        if state.accounts.sign_out(v).await.is_err() {
            return unavailable();
        }
    }
    let mut res = match plan.redirect {
        Some(target) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .finish(),
        None => pages::html_response(StatusCode::OK, pages::logged_out_page()),
    };
    let _ = res.add_cookie(&state.browser.expired_session_cookie());
    res
}

fn error(status: StatusCode, message: &str) -> HttpResponse {
    pages::html_response(status, pages::error_page("Sign-out failed", message))
}

fn unavailable() -> HttpResponse {
    let mut res = pages::html_response(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::error_page("Temporarily unavailable", "Please try again in a moment."),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}
