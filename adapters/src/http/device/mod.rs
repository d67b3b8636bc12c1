//! The device authorization grant's endpoints (RFC 8628): `POST /device_authorization` for
//! the device, and the `/device` pages where a person enters the user code, signs in (with the
//! second factor when due) and allows or denies. Polling is `/token`'s `device_code` grant.

mod person;

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::state::{BrowserFlowState, TokenEndpoints};
use super::wire::{DeviceAuthorizationRequest, DeviceAuthorizationResponse, ErrorBody};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::DeviceFlow;

// `POST /device_authorization`.
/// Device authorization request (RFC 8628 §3.1)
#[utoipa::path(post, operation_id = "device_authorization", path = "/device_authorization", tag = "oauth",
    description = "A device without a browser asks for a user code; it then polls `/token` with \
                   `grant_type=urn:ietf:params:oauth:grant-type:device_code`.",
    request_body(content = DeviceAuthorizationRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "RFC 8628 §3.2 response (no-store)", body = DeviceAuthorizationResponse),
        (status = 400, description = "RFC 6749 §5.2 error (`unauthorized_client`, `invalid_scope`, `invalid_target`)", body = ErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate`", body = ErrorBody),
        (status = 429, description = "Rate limited (Retry-After)", body = ErrorBody),
    ))]
pub async fn device_authorization_post(
    req: HttpRequest,
    payload: web::Payload,
    tokens: web::Data<TokenEndpoints>,
    device: web::Data<DeviceFlow>,
) -> Result<HttpResponse, ApiError> {
    let (form, client) = authenticated_form(&req, payload, &tokens).await?;
    let resources = form.get_all("resource");
    let start = device.start(&client, form.get("scope"), &resources).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(DeviceAuthorizationResponse {
            device_code: start.device_code.expose_secret().to_owned(),
            user_code: start.user_code.display(),
            verification_uri: start.verification_uri,
            verification_uri_complete: start.verification_uri_complete,
            expires_in: start.expires_in,
            interval: start.interval,
        }))
}

// `GET /device`.
/// The page where a person enters the code shown on a device (RFC 8628 §3.3)
#[utoipa::path(get, path = "/device", tag = "oauth",
    description = "Browser page: a form with one input, `user_code` (prefilled from the query).",
    params(("user_code" = Option<String>, Query, description = "From `verification_uri_complete`")),
    responses(
        (status = 200, description = "The code form", body = String, content_type = "text/html"),
    ))]
pub async fn device_get(req: HttpRequest, state: web::Data<BrowserFlowState>) -> HttpResponse {
    let prefill = OAuthForm::parse(req.query_string().as_bytes())
        .ok()
        .and_then(|f| {
            f.get("user_code")
                .map(|c| c.chars().take(20).collect::<String>())
        })
        .unwrap_or_default();
    person::code_page(&person::ui(&req, None), &req, &state, &prefill, None)
}

// `POST /device`.
/// The code form, the login and second-step pages and the consent page post here
#[utoipa::path(post, path = "/device", tag = "oauth",
    description = "Browser endpoint, CSRF-protected: `action=code` (the code), `login`, `mfa`, \
                   then `consent` with `decision=allow|deny`. Wrong codes are throttled per \
                   address and per browser. Answers HTML.",
    responses(
        (status = 200, description = "The next page", body = String, content_type = "text/html"),
        (status = 400, description = "An error page", body = String, content_type = "text/html"),
        (status = 403, description = "The form expired (CSRF)", body = String, content_type = "text/html"),
        (status = 429, description = "Too many wrong codes (Retry-After)", body = String, content_type = "text/html"),
    ))]
pub async fn device_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<BrowserFlowState>,
    device: web::Data<DeviceFlow>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => return person::bad_request(&person::ui(&req, None), &e.to_string()),
    };
    let action = form.get("action").unwrap_or("code").to_owned();
    if let Some(refused) = super::authorize::sign_in::guard(&req, &state, &action, &form).await {
        return refused;
    }
    let ui = person::ui(&req, form.get("ui_locales"));
    let step = person::Step {
        ui: &ui,
        req: &req,
        state: &state,
        device: &device,
        typed: form.get("user_code").unwrap_or("").to_owned(),
    };
    match action.as_str() {
        "code" => step.code_entered().await,
        "login" => step.login(&form).await,
        "mfa" | "mfa_passkey" => step.second_step(&action, &form).await,
        "consent" => step.consent(form.get("decision")).await,
        _ => person::bad_request(&ui, ui.t("errors.unknown_action")),
    }
}
