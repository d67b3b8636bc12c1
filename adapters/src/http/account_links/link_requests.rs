//! Reading a link request: the query token, the page's CSRF-checked form, and the failure
//! budget a wrong token spends.

use super::super::form::OAuthForm;
use super::super::{pages, AccountState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::services::EmailLinkError;
use tessera_domain::UserId;

/// A wrong link token is a failed credential: it spends from the address's budget (the use
/// case audits it).
pub(super) async fn count_invalid_link(
    req: &HttpRequest,
    state: &AccountState,
    result: &Result<UserId, EmailLinkError>,
) {
    if matches!(result, Err(EmailLinkError::InvalidLink)) {
        state.limiter.sign_in_failed(req).await;
    }
}

/// The `token` query parameter (once, not empty, at most 256 characters).
pub(super) fn query_token(req: &HttpRequest) -> Option<String> {
    let form = OAuthForm::parse(req.query_string().as_bytes()).ok()?;
    form.get("token")
        .filter(|t| t.len() <= 256)
        .map(str::to_owned)
}

/// Whether the body is the page's form (otherwise it must be JSON).
pub(super) fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Reads a page's form and checks its CSRF token against the browser's binding cookie.
pub(super) async fn checked_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
) -> Result<OAuthForm, HttpResponse> {
    let ui = super::link_answers::ui_of(req);
    let form = OAuthForm::read(req, payload).await.map_err(|e| {
        ui.respond(
            StatusCode::BAD_REQUEST,
            pages::error_page(&ui, ui.t("errors.bad_request_title"), &e.to_string()),
        )
    })?;
    let binding = state.browser.csrf_value(req);
    if !state
        .csrf
        .verify(binding.as_deref(), form.get("csrf_token"))
    {
        return Err(ui.respond(
            StatusCode::FORBIDDEN,
            pages::error_page(
                &ui,
                ui.t("errors.form_expired_title"),
                ui.t("links.form_expired_text"),
            ),
        ));
    }
    Ok(form)
}
