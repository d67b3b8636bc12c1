//! The browser pages for people who forgot their password or have no account yet:
//! `GET, POST /forgot-password` and `GET, POST /signup`, and the links to them on the login
//! page. Both send their mail through the same use cases and budgets as the JSON account API
//! (`/users/password-reset`, `/users/register`), and both carry a checked `return_to` through
//! the mail so the person ends up back at the authorization request they started from.

pub mod forgot;
pub mod return_to;
pub mod signup;
#[cfg(test)]
mod tests;

pub use forgot::{forgot_password_get, forgot_password_post};
pub use signup::{signup_get, signup_post};

use super::form::OAuthForm;
use super::pages::{self, Ui};
use super::state::AccountState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::ports::random_token;

/// `registration.self_service` and `accounts.require_verified_email`, as the pages need them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeopleSettings {
    /// People may create their own accounts: the sign-up page and `POST /users/register`.
    pub self_service: bool,
    /// No code (and no account API token) for an address that is not verified.
    pub require_verified_email: bool,
}

impl PeopleSettings {
    /// The settings the app was built with; without any (handler tests), self-service is off.
    pub fn of(req: &HttpRequest) -> PeopleSettings {
        req.app_data::<web::Data<PeopleSettings>>()
            .map(|s| *s.get_ref())
            .unwrap_or_default()
    }
}

/// The login page's "Forgot your password?" and "Create an account" links for a sign-in that
/// should come back to `return_to` (the authorization request as a GET URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLinks {
    /// `/forgot-password?return_to=…`.
    pub forgot_password: String,
    /// `/signup?return_to=…`; `None` when self-service registration is off.
    pub signup: Option<String>,
}

/// The links for the login page of `req`'s app.
pub fn login_links(req: &HttpRequest, return_to: &str) -> LoginLinks {
    LoginLinks {
        forgot_password: return_to::link(super::paths::FORGOT_PASSWORD, Some(return_to)),
        signup: PeopleSettings::of(req)
            .self_service
            .then(|| return_to::link(super::paths::SIGNUP, Some(return_to))),
    }
}

/// A page with the form's CSRF token (`page` gets it), setting the binding cookie when the
/// browser has none yet.
fn page_with_csrf(
    req: &HttpRequest,
    state: &AccountState,
    ui: &Ui,
    status: StatusCode,
    page: impl FnOnce(&str) -> String,
) -> HttpResponse {
    let (binding, new) = match state.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (random_token(state.rng.as_ref(), 32), true),
    };
    let mut res = ui.respond(status, page(&state.csrf.token_for(&binding)));
    if new {
        if let Err(e) = res.add_cookie(&state.browser.csrf_cookie(&binding)) {
            log::error!("could not set the CSRF cookie: {e}");
        }
    }
    res
}

/// The posted form, its CSRF token checked against the browser's binding cookie; otherwise
/// the "form expired" page (`403`), or `400` for a body that is not a form.
async fn checked_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    ui: &Ui,
) -> Result<OAuthForm, HttpResponse> {
    let expired = |status| error_page(ui, status, "forgot.expired_title", "forgot.expired");
    let form = OAuthForm::read(req, payload)
        .await
        .map_err(|_| expired(StatusCode::BAD_REQUEST))?;
    let binding = state.browser.csrf_value(req);
    if !state
        .csrf
        .verify(binding.as_deref(), form.get("csrf_token"))
    {
        log::info!("people page form refused: missing or wrong CSRF token");
        return Err(expired(StatusCode::FORBIDDEN));
    }
    Ok(form)
}

/// An error page of these flows (no links: AS-05).
fn error_page(
    ui: &Ui,
    status: StatusCode,
    title_key: &'static str,
    message_key: &'static str,
) -> HttpResponse {
    ui.respond(status, pages::people_error_page(ui, title_key, message_key))
}

/// `429` with `Retry-After`: a budget of the account API is spent.
fn too_many(
    ui: &Ui,
    title_key: &'static str,
    message_key: &'static str,
    wait: u64,
) -> HttpResponse {
    let mut res = error_page(ui, StatusCode::TOO_MANY_REQUESTS, title_key, message_key);
    if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}
