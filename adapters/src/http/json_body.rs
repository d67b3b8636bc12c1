//! JSON request bodies of the account and admin APIs: size-capped, `application/json` only,
//! validated, every refusal a clean 4xx naming the field.

use super::errors::ApiError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tessera_application::OAuthErrorCode;
use validator::{Validate, ValidationErrors};

/// Largest JSON body accepted; larger ones are `413`.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

/// Longest password the API reads; the domain's own limit is lower, this only bounds work.
pub(crate) const MAX_PASSWORD_CHARS: usize = 1024;

/// `400` naming the password when it is empty or longer than anything worth hashing.
pub(crate) fn password_length(v: &SecretString) -> Result<(), ApiError> {
    match v.expose_secret().chars().count() {
        0 => Err(field_error("password", "password is required")),
        n if n > MAX_PASSWORD_CHARS => Err(field_error("password", "password is too long")),
        _ => Ok(()),
    }
}

/// `400 invalid_request` naming `field`.
pub(crate) fn field_error(field: &str, message: &str) -> ApiError {
    ApiError::invalid_request(format!("{field}: {message}"))
}

/// Reads a JSON body of at most [`MAX_JSON_BYTES`] and validates it; every failure is a
/// clean 4xx naming what is wrong.
pub(crate) async fn read_json<T: DeserializeOwned + Validate>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    require_json_media_type(req)?;
    let body = read_bounded(req, payload).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid_request("the body is not valid UTF-8"))?;
    let value: T = serde_json::from_str(text).map_err(|e| {
        ApiError::invalid_request(match e.classify() {
            serde_json::error::Category::Data => format!("invalid field: {e}"),
            _ => "the body is not valid JSON".to_owned(),
        })
    })?;
    value.validate().map_err(|e| validation_error(&e))?;
    Ok(value)
}

/// The body, refused with `413` past [`MAX_JSON_BYTES`] (declared or actual) before it is
/// all read.
pub(crate) async fn read_bounded(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_JSON_BYTES) {
        return Err(ApiError::payload_too_large(MAX_JSON_BYTES));
    }
    match payload.to_bytes_limited(MAX_JSON_BYTES).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_)) => Err(ApiError::invalid_request(
            "the request body could not be read",
        )),
        Err(_) => Err(ApiError::payload_too_large(MAX_JSON_BYTES)),
    }
}

/// `415` unless the request says its body is `application/json` (parameters such as
/// `charset` allowed).
pub(crate) fn require_json_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            OAuthErrorCode::InvalidRequest,
            "the body must be application/json",
        ))
    }
}

/// `400 invalid_request` naming the first offending field (in name order, so stable).
fn validation_error(errors: &ValidationErrors) -> ApiError {
    let fields = errors.field_errors();
    let mut names: Vec<_> = fields.keys().collect();
    names.sort();
    let Some(name) = names.first() else {
        return ApiError::invalid_request("the body is not valid");
    };
    let message = fields
        .get(*name)
        .and_then(|errors| errors.first())
        .and_then(|e| e.message.as_ref().map(ToString::to_string))
        .unwrap_or_else(|| "is not valid".to_owned());
    field_error(name, &message)
}
