//! The answers to an emailed link: the pages a browser sees and the JSON errors a program gets.

use super::super::browser::page_with_csrf_in;
use super::super::errors::ApiError;
use super::super::pages::Ui;
use super::super::users::field_error;
use super::super::{pages, paths, AccountState};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::services::EmailLinkError;
use tessera_application::OAuthErrorCode;
use tessera_application::RepositoryError;

/// The page after a reset from the form: the person must sign in again everywhere.
pub(super) fn password_changed_page(ui: &Ui) -> HttpResponse {
    ui.respond(
        StatusCode::OK,
        pages::link_done_page(
            ui,
            ui.t("links.password_changed_title"),
            ui.t("links.password_changed_text"),
        ),
    )
}

/// The reset form again, as a `400`, with why the password was refused.
pub(super) fn reset_form_again(
    ui: &Ui,
    req: &HttpRequest,
    state: &AccountState,
    token: &str,
    message: &str,
) -> HttpResponse {
    let min = state.email_links.password_policy().min_chars;
    let action = crate::http::people::return_to::link(
        paths::USERS_PASSWORD_RESET_CONFIRM,
        crate::http::people::return_to::from_query(req).as_deref(),
    );
    let mut res = page_with_csrf_in(ui, req, state, |csrf| {
        pages::reset_password_page(ui, &action, token, csrf, min, Some(message))
    });
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res
}

/// JSON answer for a link that failed.
pub(super) fn link_error(e: EmailLinkError) -> ApiError {
    match e {
        EmailLinkError::InvalidLink => ApiError::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidToken,
            e.to_string(),
        ),
        EmailLinkError::Password(p) => field_error("password", &p.to_string()),
        EmailLinkError::Busy => ApiError::unavailable(),
        EmailLinkError::Hasher(d) => ApiError::server_error(&d),
        EmailLinkError::Repository(r) => r.into(),
    }
}

/// Page answer for a link that failed.
pub(super) fn link_error_page(ui: &Ui, e: EmailLinkError) -> HttpResponse {
    match e {
        EmailLinkError::InvalidLink | EmailLinkError::Password(_) => invalid_link_page(ui),
        EmailLinkError::Busy | EmailLinkError::Repository(RepositoryError::Unavailable) => {
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
        other => {
            log::error!("emailed link failed: {other}");
            ui.respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                pages::error_page(ui, ui.t("errors.fault_title"), ui.t("errors.fault")),
            )
        }
    }
}

/// The page for a used, expired or replaced link.
pub(super) fn invalid_link_page(ui: &Ui) -> HttpResponse {
    ui.respond(
        StatusCode::BAD_REQUEST,
        pages::error_page(ui, ui.t("links.invalid_title"), ui.t("links.invalid_text")),
    )
}

/// The pages' context: `ui_locales` in the query, else `Accept-Language`.
pub(super) fn ui_of(req: &HttpRequest) -> Ui {
    let query = super::super::form::OAuthForm::parse(req.query_string().as_bytes()).ok();
    Ui::from_request(req, query.as_ref().and_then(|q| q.get("ui_locales")))
}
