//! `GET, POST /signup`: self-service registration in the browser, through the same use case,
//! password policy and budget as `POST /users/register`. A new and a taken address get the
//! same "check your inbox" page (ASVS 6.3.8); the mail that follows differs.

use super::{checked_form, error_page, page_with_csrf, return_to, too_many, PeopleSettings};
use crate::http::json_body::MAX_PASSWORD_CHARS;
use crate::http::pages::{self, SignupField, SignupView, Ui};
use crate::http::state::AccountState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::CreateUserError;
use tessera_domain::{is_valid_display_name, Email, PasswordError};

/// The page is there only with `registration.self_service`; otherwise `404`.
fn switched_off(req: &HttpRequest, ui: &Ui) -> Option<HttpResponse> {
    (!PeopleSettings::of(req).self_service)
        .then(|| error_page(ui, StatusCode::NOT_FOUND, "signup.off_title", "signup.off"))
}

// `GET /signup`.
/// The sign-up form
#[utoipa::path(get, path = "/signup", tag = "account",
    description = "Browser page behind the login page's \"Create an account\" link; only with \
                   `registration.self_service`. Answers HTML.",
    params(("return_to" = Option<String>, Query, description = "Where to lead back to: `/authorize?…`, `/device` or `/account`; anything else is dropped")),
    responses(
        (status = 200, description = "The sign-up form", body = String, content_type = "text/html"),
        (status = 404, description = "Self-service registration is off", body = String, content_type = "text/html"),
    ))]
pub async fn signup_get(req: HttpRequest, state: web::Data<AccountState>) -> HttpResponse {
    let ui = Ui::from_request(&req, None);
    if let Some(res) = switched_off(&req, &ui) {
        return res;
    }
    let back = return_to::from_query(&req);
    let min_length = state.email_links.password_policy().min_chars;
    page_with_csrf(&req, &state, &ui, StatusCode::OK, |csrf| {
        pages::signup_page(
            &ui,
            &SignupView {
                csrf,
                return_to: back.as_deref(),
                email: "",
                name: "",
                min_length,
                error: None,
            },
        )
    })
}

/// What the form posted.
struct Posted {
    email: String,
    name: String,
    back: Option<String>,
}

// `POST /signup`.
/// Creates the account (or mails the owner of a taken address), then "check your inbox"
#[utoipa::path(post, path = "/signup", tag = "account",
    description = "Browser endpoint, CSRF-protected; the same use case, password policy and \
                   budget as `POST /users/register`, and the same page for a new and a taken \
                   address (ASVS 6.3.8).",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Check your inbox", body = String, content_type = "text/html"),
        (status = 400, description = "A field is not valid: the form again", body = String, content_type = "text/html"),
        (status = 403, description = "Missing or wrong CSRF token", body = String, content_type = "text/html"),
        (status = 404, description = "Self-service registration is off", body = String, content_type = "text/html"),
        (status = 429, description = "Rate limited", body = String, content_type = "text/html"),
        (status = 503, description = "Temporarily unavailable", body = String, content_type = "text/html"),
    ))]
pub async fn signup_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AccountState>,
) -> HttpResponse {
    let ui = Ui::from_request(&req, None);
    if let Some(res) = switched_off(&req, &ui) {
        return res;
    }
    let form = match checked_form(&req, payload, &state, &ui).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let posted = Posted {
        email: form.get("email").unwrap_or_default().trim().to_owned(),
        name: form.get("name").unwrap_or_default().trim().to_owned(),
        back: return_to::from_form(&form),
    };
    let password = SecretString::from(form.get("password").unwrap_or_default().to_owned());
    if let Some(refusal) = field_problem(&ui, &posted, &password) {
        return form_again(&req, &state, &ui, &posted, refusal);
    }
    if let Err(wait) = state.limiter.take_registration(&req).await {
        return too_many(&ui, "signup.too_many_title", "signup.too_many", wait);
    }
    let name = (!posted.name.is_empty()).then(|| posted.name.clone());
    let registration = state
        .account_api
        .register(&posted.email, password, name)
        .await;
    let registration = match registration {
        Ok(r) => r,
        Err(e) => return refused(&req, &state, &ui, &posted, e),
    };
    let shown = registration.email().as_str().to_owned();
    let task_state = state.clone();
    let task_back = posted.back.clone();
    actix_web::rt::spawn(async move {
        task_state
            .account_api
            .notify_returning(registration, task_back.as_deref())
            .await
    });
    ui.respond(
        StatusCode::OK,
        pages::check_inbox_page(&ui, &shown, posted.back.as_deref()),
    )
}

/// The checks the page makes before any work: an address, a name, a password's length.
fn field_problem(
    ui: &Ui,
    posted: &Posted,
    password: &SecretString,
) -> Option<(SignupField, String)> {
    if Email::parse(&posted.email).is_err() {
        return Some((SignupField::Email, ui.t("signup.error_email").to_owned()));
    }
    if !posted.name.is_empty() && !is_valid_display_name(&posted.name) {
        return Some((SignupField::Name, ui.t("signup.error_name").to_owned()));
    }
    let chars = password.expose_secret().chars().count();
    if chars > MAX_PASSWORD_CHARS {
        let max = MAX_PASSWORD_CHARS.to_string();
        return Some((
            SignupField::Password,
            ui.fill("signup.error_password_long", &[("max", max.as_str())]),
        ));
    }
    None
}

/// The words for a password the policy refused.
fn password_message(ui: &Ui, e: &PasswordError) -> String {
    match e {
        PasswordError::TooShort(min) => ui.fill(
            "signup.error_password_short",
            &[("min", min.to_string().as_str())],
        ),
        PasswordError::TooLong(max) => ui.fill(
            "signup.error_password_long",
            &[("max", max.to_string().as_str())],
        ),
        PasswordError::TooCommon => ui.t("signup.error_password_common").to_owned(),
        PasswordError::ContainsEmailName => ui.t("signup.error_password_email").to_owned(),
        PasswordError::ContainsServiceName(_) => ui.t("signup.error_password_service").to_owned(),
    }
}

/// The use case refused: a field's problem is the form again; the rest are the server's.
fn refused(
    req: &HttpRequest,
    state: &AccountState,
    ui: &Ui,
    posted: &Posted,
    e: CreateUserError,
) -> HttpResponse {
    let field = match &e {
        CreateUserError::Email(_) => {
            Some((SignupField::Email, ui.t("signup.error_email").to_owned()))
        }
        CreateUserError::Password(p) => Some((SignupField::Password, password_message(ui, p))),
        CreateUserError::Name => Some((SignupField::Name, ui.t("signup.error_name").to_owned())),
        _ => None,
    };
    if let Some(refusal) = field {
        return form_again(req, state, ui, posted, refusal);
    }
    match e {
        CreateUserError::Busy => {
            let mut res = error_page(
                ui,
                StatusCode::SERVICE_UNAVAILABLE,
                "signup.busy_title",
                "signup.busy",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            res
        }
        CreateUserError::Repository(tessera_application::RepositoryError::Unavailable) => {
            let mut res = error_page(
                ui,
                StatusCode::SERVICE_UNAVAILABLE,
                "signup.busy_title",
                "signup.busy",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            res
        }
        other => {
            log::error!("sign-up failed: {other}");
            error_page(
                ui,
                StatusCode::INTERNAL_SERVER_ERROR,
                "signup.failed_title",
                "signup.failed",
            )
        }
    }
}

/// The form again (`400`), refilled but for the password, with the refused field marked.
fn form_again(
    req: &HttpRequest,
    state: &AccountState,
    ui: &Ui,
    posted: &Posted,
    (field, message): (SignupField, String),
) -> HttpResponse {
    let min_length = state.email_links.password_policy().min_chars;
    page_with_csrf(req, state, ui, StatusCode::BAD_REQUEST, |csrf| {
        pages::signup_page(
            ui,
            &SignupView {
                csrf,
                return_to: posted.back.as_deref(),
                email: &posted.email,
                name: &posted.name,
                min_length,
                error: Some((field, &message)),
            },
        )
    })
}
