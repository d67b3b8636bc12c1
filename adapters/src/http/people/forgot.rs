//! `GET, POST /forgot-password`: asks for the address and mails a reset link through the same
//! use case and budget as `POST /users/password-reset`. The answer is the same page for every
//! address, given at once; the lookup and the mail happen afterwards (ASVS 6.3.8).

use super::{checked_form, page_with_csrf, return_to, too_many};
use crate::http::pages::{self, ForgotPasswordView, Ui};
use crate::http::state::AccountState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The longest address looked at (as the account API's).
const MAX_EMAIL: usize = 1024;

// `GET /forgot-password`.
/// The form, remembering where the person came from
#[utoipa::path(get, path = "/forgot-password", tag = "account",
    description = "Browser page behind the login page's \"Forgot your password?\" link. Answers HTML.",
    params(("return_to" = Option<String>, Query, description = "Where to lead back to: `/authorize?…`, `/device` or `/account`; anything else is dropped")),
    responses(
        (status = 200, description = "The form asking for the address", body = String, content_type = "text/html"),
    ))]
pub async fn forgot_password_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let ui = Ui::from_request(&req, None);
    let back = return_to::from_query(&req);
    page_with_csrf(&req, &state, &ui, StatusCode::OK, |csrf| {
        pages::forgot_password_page(
            &ui,
            &ForgotPasswordView {
                csrf,
                return_to: back.as_deref(),
                ..ForgotPasswordView::default()
            },
        )
    })
}

// `POST /forgot-password`.
/// Mails a reset link; the same page for every address
#[utoipa::path(post, path = "/forgot-password", tag = "account",
    description = "Browser endpoint, CSRF-protected. The same answer whether or not an account has \
                   the address (ASVS 6.3.8); the link is mailed afterwards, within the budgets of \
                   `POST /users/password-reset`.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The page saying a link was sent if an account exists", body = String, content_type = "text/html"),
        (status = 400, description = "No address: the form again", body = String, content_type = "text/html"),
        (status = 403, description = "Missing or wrong CSRF token", body = String, content_type = "text/html"),
        (status = 429, description = "Rate limited", body = String, content_type = "text/html"),
    ))]
pub async fn forgot_password_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    let ui = Ui::from_request(&req, None);
    let form = match checked_form(&req, payload, &state, &ui).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let back = return_to::from_form(&form);
    let email = form.get("email").unwrap_or_default().trim().to_owned();
    if email.is_empty() || email.len() > MAX_EMAIL {
        return page_with_csrf(&req, &state, &ui, StatusCode::BAD_REQUEST, |csrf| {
            pages::forgot_password_page(
                &ui,
                &ForgotPasswordView {
                    csrf,
                    return_to: back.as_deref(),
                    error: Some(ui.t("forgot.email_missing")),
                    ..ForgotPasswordView::default()
                },
            )
        });
    }
    if let Err(wait) = state.limiter.take_mail_request(&req).await {
        return too_many(&ui, "forgot.too_many_title", "forgot.too_many", wait);
    }
    let task_state = state.clone();
    let task_back = back.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = task_state
            .email_links
            .request_password_reset_returning(&email, task_back.as_deref())
            .await
        {
            log::error!("could not send a password-reset link: {e}");
        }
    });
    page_with_csrf(&req, &state, &ui, StatusCode::OK, |csrf| {
        pages::forgot_password_page(
            &ui,
            &ForgotPasswordView {
                csrf,
                return_to: back.as_deref(),
                sent: true,
                ..ForgotPasswordView::default()
            },
        )
    })
}
