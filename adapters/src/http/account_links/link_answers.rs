//! The answers to an emailed link: the pages a browser sees and the JSON errors a program gets.

use super::super::browser::page_with_csrf;
use super::super::errors::ApiError;
use super::super::users::field_error;
use super::super::{pages, paths, AccountState};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::services::EmailLinkError;
use tessera_application::OAuthErrorCode;
use tessera_application::RepositoryError;

/// The page after a reset from the form: the person must sign in again everywhere.
pub(super) fn password_changed_page() -> HttpResponse {
    pages::html_response(
        StatusCode::OK,
        pages::link_done_page(
            "Password changed",
            "Your new password is set, and you were signed out everywhere. Sign in again \
             with the new password.",
        ),
    )
}

/// The reset form again, as a `400`, with why the password was refused.
pub(super) fn reset_form_again(
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
    let mut res = page_with_csrf(req, state, |csrf| {
        pages::reset_password_page(&action, token, csrf, min, Some(message))
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
pub(super) fn link_error_page(e: EmailLinkError) -> HttpResponse {
    match e {
        EmailLinkError::InvalidLink | EmailLinkError::Password(_) => invalid_link_page(),
        EmailLinkError::Busy | EmailLinkError::Repository(RepositoryError::Unavailable) => {
            let mut res = pages::html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::error_page("Temporarily unavailable", "Please try again in a moment."),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            res
        }
        other => {
            log::error!("emailed link failed: {other}");
            pages::html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                pages::error_page("Something went wrong", "Please try again later."),
            )
        }
    }
}

/// The page for a used, expired or replaced link.
pub(super) fn invalid_link_page() -> HttpResponse {
    pages::html_response(
        StatusCode::BAD_REQUEST,
        pages::error_page(
            "This link does not work",
            "It was already used, has expired, or was replaced by a newer one. Ask for a new \
             link and use the latest one.",
        ),
    )
}
