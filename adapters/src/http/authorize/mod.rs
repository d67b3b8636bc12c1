//! `GET, POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2) with the login and consent pages.
//!
//! The pages post back to `/authorize` carrying the original request's parameters as hidden
//! fields; every post re-validates the whole request, so nothing about a pending authorization
//! is trusted from an earlier step. Forms are CSRF-protected, and every redirect answers 303.

mod consent;
mod render;
pub(super) mod second_step;
pub(super) mod sign_in;
#[cfg(test)]
mod tests;
mod unverified;

use super::auth_transaction::AUTH_TX_FIELD;
use super::form::OAuthForm;
use super::pushed_mark::PUSHED_FIELD;
use super::state::BrowserFlowState;
use actix_web::{web, HttpRequest, HttpResponse};
use render::bad_request;
use secrecy::SecretString;
use tessera_application::services::AuthorizeParams;

/// Form fields of the pages themselves, never part of the authorization request.
const PAGE_FIELDS: [&str; 11] = [
    "action",
    "csrf_token",
    "email",
    "password",
    "decision",
    "otp",
    "mfa_token",
    "passkey_handle",
    "passkey_response",
    AUTH_TX_FIELD,
    PUSHED_FIELD,
];

// `GET /authorize`.
/// Authorization request (RFC 6749 §4.1.1, PKCE S256, OIDC)
#[utoipa::path(get, path = "/authorize", tag = "oauth",
    description = "Browser endpoint. Validates the request, then shows the login or consent page, \
                   or redirects to the client. Answers HTML or a redirect, never JSON.",
    params(
        ("response_type" = Option<String>, Query, description = "`code`"),
        ("client_id" = Option<String>, Query),
        ("redirect_uri" = Option<String>, Query),
        ("scope" = Option<String>, Query),
        ("state" = Option<String>, Query),
        ("code_challenge" = Option<String>, Query, description = "PKCE (RFC 7636)"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256`"),
        ("nonce" = Option<String>, Query),
        ("prompt" = Option<String>, Query),
        ("max_age" = Option<String>, Query),
        ("login_hint" = Option<String>, Query),
        ("request_uri" = Option<String>, Query, description = "A `request_uri` from `/par` (RFC 9126); then only `client_id` besides"),
        ("request" = Option<String>, Query, description = "A signed request object (RFC 9101); then only its claims count"),
        ("response_mode" = Option<String>, Query, description = "`query` or `form_post`"),
    ),
    responses(
        (status = 200, description = "The login or consent page, or a form_post page", body = String, content_type = "text/html"),
        (status = 303, description = "The authorization response (or error) to the client's redirect URI",
            headers(("Location" = String, description = "The client's redirect URI with `code`, `state`, `iss`"))),
        (status = 400, description = "An error page: the client or redirect URI cannot be trusted", body = String, content_type = "text/html"),
    ))]
pub async fn authorize_get(req: HttpRequest, state: web::Data<BrowserFlowState>) -> HttpResponse {
    match OAuthForm::parse(req.query_string().as_bytes()) {
        Ok(f) => render::start(&req, &state, request_params(&state, f)).await,
        Err(e) => bad_request(&e.to_string()),
    }
}

// `POST /authorize`: a form-encoded authorization request, or a login / consent submission.
/// Authorization request as a form; the login and consent pages post here
#[utoipa::path(post, path = "/authorize", tag = "oauth",
    description = "Browser endpoint. Page submissions are CSRF-protected. Answers HTML or a redirect.",
    request_body(content = crate::http::wire::AuthorizeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The next page", body = String, content_type = "text/html"),
        (status = 303, description = "The authorization response to the client's redirect URI",
            headers(("Location" = String))),
        (status = 400, description = "An error page", body = String, content_type = "text/html"),
    ))]
pub async fn authorize_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => return bad_request(&e.to_string()),
    };
    let Some(action) = form.get("action").map(str::to_owned) else {
        return render::start(&req, &state, request_params(&state, form)).await;
    };
    if let Some(refused) = sign_in::guard(&req, &state, &action, &form).await {
        return refused;
    }
    let page = PageFields::take(&form);
    let params = request_params(&state, form);
    match action.as_str() {
        "login" => sign_in::login(&req, &state, params, page.email, page.password).await,
        "mfa" | "mfa_passkey" => second_step::answer(&req, &state, params, &action, page).await,
        "passkey" => second_step::passkey(&req, &state, params, page).await,
        "consent" => consent::answer(&req, &state, params, page).await,
        "continue" => unverified::continue_anyway(&req, &state, params, page).await,
        "resend_verification" => unverified::resend(&req, &state, params, page).await,
        _ => bad_request("Unknown form action."),
    }
}

/// The fields the login, second-step and consent pages add to the request's own parameters.
struct PageFields {
    email: String,
    password: SecretString,
    decision: Option<String>,
    auth_tx: Option<String>,
    otp: SecretString,
    mfa_token: SecretString,
    passkey_handle: SecretString,
    passkey_response: String,
}

impl PageFields {
    fn take(form: &OAuthForm) -> Self {
        let secret = |name: &str| SecretString::from(form.get(name).unwrap_or("").to_owned());
        Self {
            email: form.get("email").unwrap_or("").to_owned(),
            password: secret("password"),
            decision: form.get("decision").map(str::to_owned),
            auth_tx: form.get(AUTH_TX_FIELD).map(str::to_owned),
            otp: secret("otp"),
            mfa_token: secret("mfa_token"),
            passkey_handle: secret("passkey_handle"),
            passkey_response: form.get("passkey_response").unwrap_or("").to_owned(),
        }
    }
}

/// The authorization request's own parameters: the form without the pages' fields, known to
/// come from `/par` when the pages' mark says so.
fn request_params(state: &BrowserFlowState, form: OAuthForm) -> AuthorizeParams {
    let mark = form.get(PUSHED_FIELD).map(str::to_owned);
    let pairs = form
        .into_pairs()
        .into_iter()
        .filter(|(name, _)| !PAGE_FIELDS.contains(&name.as_str()));
    let now = state.clock.now();
    state
        .pushed_marks
        .apply(AuthorizeParams::from_pairs(pairs), mark.as_deref(), now)
}
