//! `POST /par`: pushed authorization requests (RFC 9126).

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::state::TokenEndpoints;
use super::wire::{ErrorBody, PushedAuthorizationForm, PushedAuthorizationResponseBody};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::services::{AuthorizeParams, PushError, PushedAuthorization};

/// Form fields of client authentication, never part of the pushed request.
const CLIENT_AUTH_FIELDS: [&str; 3] =
    ["client_secret", "client_assertion", "client_assertion_type"];

// `POST /par`.
/// Pushed authorization request (RFC 9126)
#[utoipa::path(post, operation_id = "pushed_authorization_request", path = "/par", tag = "oauth",
    description = "The client authenticates as at `/token` and sends the parameters it would send \
                   to `/authorize` (or one signed `request` object, RFC 9101). They are validated \
                   as `/authorize` validates them; the answer's `request_uri` then stands for them \
                   at `/authorize?client_id=…&request_uri=…`, once, for `expires_in` seconds.",
    request_body(content = PushedAuthorizationForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 201, description = "RFC 9126 §2.2 response (no-store)", body = PushedAuthorizationResponseBody),
        (status = 400, description = "RFC 9126 §2.3 error: `invalid_request`, `invalid_request_object`, `invalid_scope`, `unsupported_response_type`, `unauthorized_client`, `invalid_target`", body = ErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate`", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Rate limited (Retry-After)", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable (Retry-After)", body = ErrorBody),
    ))]
pub async fn par_post(
    req: HttpRequest,
    payload: web::Payload,
    tokens: web::Data<TokenEndpoints>,
    par: web::Data<PushedAuthorization>,
) -> Result<HttpResponse, ApiError> {
    let (form, client) = authenticated_form(&req, payload, &tokens).await?;
    let pairs = form
        .into_pairs()
        .into_iter()
        .filter(|(name, _)| !CLIENT_AUTH_FIELDS.contains(&name.as_str()));
    let pushed = par
        .push(&client, AuthorizeParams::from_pairs(pairs))
        .await
        .map_err(|e| match e {
            PushError::Invalid { code, description } => {
                ApiError::new(StatusCode::BAD_REQUEST, code, description)
            }
            PushError::Repository(r) => r.into(),
        })?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(PushedAuthorizationResponseBody {
            request_uri: pushed.request_uri,
            expires_in: pushed.expires_in,
        }))
}
