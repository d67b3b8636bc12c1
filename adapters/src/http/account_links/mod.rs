//! Emailed links and the requests that send them: `POST /users/verify-email/resend`,
//! `GET, POST /users/verify-email`, `POST /users/password-reset`,
//! `GET, POST /users/password-reset/confirm`.
//!
//! The link targets answer a browser (GET shows a page with a form; the form POST, with its
//! CSRF token, does the work) and a program (`POST` with a JSON body). Requests that name an
//! email always answer `202` at once and do their work afterwards, so neither the answer nor
//! its timing tells whether an account exists (ASVS 6.3.8).

mod link_answers;
mod link_requests;

use super::audit_trail;
use super::browser::page_with_csrf;
use super::errors::ApiError;
use super::users::{password_length, read_json, sign_in_budget};
use super::{pages, paths, AccountState};
use crate::http::people::return_to;
use crate::http::wire;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use link_answers::{
    invalid_link_page, link_error, link_error_page, password_changed_page, reset_form_again,
};
use link_requests::{checked_form, count_invalid_link, is_form, query_token};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tessera_application::services::EmailLinkError;
use tessera_application::RequestContext;
use validator::Validate;

/// `{"email"}` of the requests that mail a link.
#[derive(Deserialize, Validate)]
struct EmailRequest {
    #[validate(length(max = 1024, message = "email is too long"))]
    email: String,
}

/// `{"token"}` of a verification.
#[derive(Deserialize, Validate)]
struct TokenRequest {
    #[validate(length(min = 1, max = 256, message = "token must be 1 to 256 characters"))]
    token: String,
}

/// `{"token","password"}` of a reset.
#[derive(Deserialize, Validate)]
struct ResetConfirmation {
    #[validate(length(min = 1, max = 256, message = "token must be 1 to 256 characters"))]
    token: String,
    /// Checked by [`password_length`].
    password: SecretString,
}

/// Which links a background request sends.
#[derive(Clone, Copy)]
enum Mailing {
    Verification,
    Reset,
}

// `POST /users/verify-email/resend` `{"email"}` → `202`.
/// Mails a new verification link
#[utoipa::path(post, operation_id = "verify_email_resend", path = "/users/verify-email/resend", tag = "account",
    request_body = wire::EmailRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = wire::Accepted),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn resend_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    mail_later(req, payload, state, Mailing::Verification).await
}

// `POST /users/password-reset` `{"email"}` → `202`.
/// Mails a password-reset link
#[utoipa::path(post, operation_id = "password_reset", path = "/users/password-reset", tag = "account",
    request_body = wire::EmailRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = wire::Accepted),
        (status = 400, description = "A field is not valid", body = wire::ErrorBody),
        (status = 415, description = "Not application/json", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn reset_request_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> Result<HttpResponse, ApiError> {
    mail_later(req, payload, state, Mailing::Reset).await
}

/// Validates the request, answers `202`, and sends the link (if any account qualifies) in the
/// background: the answer costs the same for every address.
async fn mail_later(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
    what: Mailing,
) -> Result<HttpResponse, ApiError> {
    state
        .limiter
        .take_mail_request(&req)
        .await
        .map_err(ApiError::rate_limited)?;
    let body: EmailRequest = read_json(&req, payload).await?;
    let task_state = state.clone();
    actix_web::rt::spawn(async move {
        let links = &task_state.email_links;
        let result = match what {
            Mailing::Verification => links.resend_verification(&body.email).await,
            Mailing::Reset => links.request_password_reset(&body.email).await,
        };
        if let Err(e) = result {
            log::error!("could not send an emailed link: {e}");
        }
    });
    Ok(HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"status": "accepted"})))
}

// `GET /users/verify-email?token=…`: the page with the confirm button.
/// The page behind an email-verification link
#[utoipa::path(get, operation_id = "verify_email_get", path = "/users/verify-email", tag = "account",
    params(("token" = Option<String>, Query, description = "From the mailed link")),
    responses(
        (status = 200, description = "A page with the confirm button", body = String, content_type = "text/html"),
        (status = 400, description = "The invalid-link page", body = String, content_type = "text/html"),
    ))]
pub async fn verify_email_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let Some(token) = query_token(&req) else {
        return invalid_link_page();
    };
    // The form posts to the link's own `return_to` (checked), for the "Continue" after it.
    let action = return_to::link(
        paths::USERS_VERIFY_EMAIL,
        return_to::from_query(&req).as_deref(),
    );
    page_with_csrf(&req, &state, |csrf| {
        pages::verify_email_page(&action, &token, csrf)
    })
}

// `POST /users/verify-email`: a form from the page, or JSON `{"token"}` → `200`.
/// Confirms an email address (JSON, or the page's form)
#[utoipa::path(post, operation_id = "verify_email_post", path = "/users/verify-email", tag = "account",
    request_body(content(
        (wire::VerifyEmailRequest = "application/json"),
        (wire::VerifyEmailForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Confirmed: JSON for JSON, a page for the form", content(
            (wire::EmailVerified = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid or expired link", content(
            (wire::ErrorBody = "application/json"),
            (String = "text/html"),
        )),
        (status = 415, description = "Neither JSON nor a form", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn verify_email_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state).await {
        return e.error_response();
    }
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    if is_form(&req) {
        return verify_email_form(&req, payload, &state, &ctx).await;
    }
    match verify_email_json(&req, payload, &state, &ctx).await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({"email_verified": true})),
        Err(e) => e.error_response(),
    }
}

/// The verification page's form: the answer is a page.
async fn verify_email_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    ctx: &RequestContext,
) -> HttpResponse {
    let form = match checked_form(req, payload, state).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let token = form.get("token").unwrap_or_default();
    let verified = state.email_links.verify_email(ctx, token).await;
    count_invalid_link(req, state, &verified).await;
    match verified {
        Ok(_) if return_to::from_query(req).is_some() => {
            continue_page(req, "verify.confirmed_title", "verify.confirmed")
        }
        Ok(_) => pages::html_response(
            StatusCode::OK,
            pages::link_done_page(
                "Email address confirmed",
                "Thank you. Your email address is confirmed; you can close this window.",
            ),
        ),
        Err(e) => link_error_page(e),
    }
}

/// A link used from a page that came from a sign-in: "done", with "Continue" back to it.
fn continue_page(
    req: &HttpRequest,
    title_key: &'static str,
    message_key: &'static str,
) -> HttpResponse {
    let ui = pages::Ui::from_request(req, None);
    let back = return_to::from_query(req);
    ui.respond(
        StatusCode::OK,
        pages::link_done_with_continue(&ui, title_key, message_key, back.as_deref()),
    )
}

/// A program's JSON `{"token"}` verification.
async fn verify_email_json(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    ctx: &RequestContext,
) -> Result<(), ApiError> {
    let body: TokenRequest = read_json(req, payload).await?;
    let verified = state.email_links.verify_email(ctx, &body.token).await;
    count_invalid_link(req, state, &verified).await;
    verified.map(|_| ()).map_err(link_error)
}

// `GET /users/password-reset/confirm?token=…`: the new-password form, if the link works.
/// The page behind a password-reset link
#[utoipa::path(get, operation_id = "password_reset_confirm_get", path = "/users/password-reset/confirm", tag = "account",
    params(("token" = Option<String>, Query, description = "From the mailed link")),
    responses(
        (status = 200, description = "The new-password form", body = String, content_type = "text/html"),
        (status = 400, description = "The invalid-link page", body = String, content_type = "text/html"),
    ))]
pub async fn reset_confirm_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let Some(token) = query_token(&req) else {
        return invalid_link_page();
    };
    match state.email_links.reset_link_is_valid(&token).await {
        Ok(true) => {}
        Ok(false) => return invalid_link_page(),
        Err(e) => return link_error_page(e),
    }
    let min = state.email_links.password_policy().min_chars;
    let action = return_to::link(
        paths::USERS_PASSWORD_RESET_CONFIRM,
        return_to::from_query(&req).as_deref(),
    );
    page_with_csrf(&req, &state, |csrf| {
        pages::reset_password_page(&action, &token, csrf, min, None)
    })
}

// `POST /users/password-reset/confirm`: a form from the page, or JSON `{"token","password"}`
// → `204`.
/// Sets a new password from a reset link (JSON, or the page's form)
#[utoipa::path(post, operation_id = "password_reset_confirm_post", path = "/users/password-reset/confirm", tag = "account",
    request_body(content(
        (wire::ResetConfirmation = "application/json"),
        (wire::ResetConfirmationForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 204, description = "Changed (JSON); every session ends"),
        (status = 200, description = "Changed (form): a page", body = String, content_type = "text/html"),
        (status = 400, description = "Invalid link or password", content(
            (wire::ErrorBody = "application/json"),
            (String = "text/html"),
        )),
        (status = 415, description = "Neither JSON nor a form", body = wire::ErrorBody),
        (status = 429, description = "Rate limited", body = wire::ErrorBody),
    ))]
pub async fn reset_confirm_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    if let Err(e) = sign_in_budget(&req, &state).await {
        return e.error_response();
    }
    let ctx = audit_trail::request_context(&req, &state.limiter, state.clock.as_ref());
    if is_form(&req) {
        return reset_confirm_form(&req, payload, &state, &ctx).await;
    }
    match reset_confirm_json(&req, payload, &state, &ctx).await {
        Ok(()) => HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => e.error_response(),
    }
}

/// The reset page's form: the answer is a page (the form again for a refused password).
async fn reset_confirm_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    ctx: &RequestContext,
) -> HttpResponse {
    let form = match checked_form(req, payload, state).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let token = form.get("token").unwrap_or_default().to_owned();
    let password = SecretString::from(form.get("password").unwrap_or_default().to_owned());
    if password_length(&password).is_err() {
        return reset_form_again(req, state, &token, "Please enter a new password.");
    }
    let reset = state
        .email_links
        .confirm_password_reset(ctx, &token, password)
        .await;
    count_invalid_link(req, state, &reset).await;
    match reset {
        Ok(_) if return_to::from_query(req).is_some() => {
            continue_page(req, "forgot.changed_title", "forgot.changed")
        }
        Ok(_) => password_changed_page(),
        Err(EmailLinkError::Password(p)) => reset_form_again(req, state, &token, &p.to_string()),
        Err(e) => link_error_page(e),
    }
}

/// A program's JSON `{"token","password"}` reset.
async fn reset_confirm_json(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AccountState,
    ctx: &RequestContext,
) -> Result<(), ApiError> {
    let body: ResetConfirmation = read_json(req, payload).await?;
    password_length(&body.password)?;
    let reset = state
        .email_links
        .confirm_password_reset(ctx, &body.token, body.password)
        .await;
    count_invalid_link(req, state, &reset).await;
    reset.map(|_| ()).map_err(link_error)
}
