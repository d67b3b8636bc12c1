//! `GET, POST /userinfo` (OIDC Core §5.3, bearer tokens per RFC 6750).

use super::form::OAuthForm;
use super::HttpState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::json;
use tessera_application::services::UserInfoError;
use tessera_application::RepositoryError;

/// `GET /userinfo`: the token comes in the `Authorization: Bearer` header.
pub async fn userinfo_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    match bearer(&req) {
        Ok(Some(token)) => answer(&state, &token).await,
        Ok(None) => challenge(
            StatusCode::UNAUTHORIZED,
            None,
            "an access token is required",
        ),
        Err(()) => challenge(
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            "malformed Authorization header",
        ),
    }
}

/// `POST /userinfo`: the header, or `access_token` in a form body (RFC 6750 §2.2), not both.
pub async fn userinfo_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let header_token = match bearer(&req) {
        Ok(t) => t,
        Err(()) => {
            return challenge(
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                "malformed Authorization header",
            )
        }
    };
    let form_token = if header_token.is_none() {
        match OAuthForm::read(&req, payload).await {
            Ok(f) => f.get("access_token").map(str::to_owned),
            Err(_) => None,
        }
    } else {
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v != "0");
        if has_body {
            if let Ok(f) = OAuthForm::read(&req, payload).await {
                if f.get("access_token").is_some() {
                    return challenge(
                        StatusCode::BAD_REQUEST,
                        Some("invalid_request"),
                        "send the token one way only",
                    );
                }
            }
        }
        None
    };
    match header_token.or(form_token) {
        Some(token) => answer(&state, &token).await,
        None => challenge(
            StatusCode::UNAUTHORIZED,
            None,
            "an access token is required",
        ),
    }
}

/// `Ok(None)` without a header, `Err` for a malformed one.
fn bearer(req: &HttpRequest) -> Result<Option<String>, ()> {
    let Some(v) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v.to_str().map_err(|_| ())?;
    let (scheme, token) = v.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(());
    }
    Ok(Some(token.trim().to_owned()))
}

async fn answer(state: &HttpState, token: &str) -> HttpResponse {
    match state.userinfo.claims(token).await {
        Ok(claims) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(claims),
        Err(UserInfoError::InvalidToken) => challenge(
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            "the access token is not valid",
        ),
        Err(UserInfoError::InsufficientScope) => challenge(
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            "the openid scope is required",
        ),
        Err(UserInfoError::Repository(RepositoryError::Unavailable)) => {
            super::ApiError::unavailable().error_response()
        }
        Err(UserInfoError::Repository(e)) => super::ApiError::server_error(&e).error_response(),
    }
}

/// An RFC 6750 §3 error: `WWW-Authenticate: Bearer …` and the JSON error shape.
fn challenge(status: StatusCode, error: Option<&str>, description: &str) -> HttpResponse {
    let www = match error {
        Some(e) => {
            format!("Bearer realm=\"tessera\", error=\"{e}\", error_description=\"{description}\"")
        }
        None => "Bearer realm=\"tessera\"".to_owned(),
    };
    HttpResponse::build(status)
        .insert_header((header::WWW_AUTHENTICATE, www))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            json!({"error": error.unwrap_or("invalid_request"), "error_description": description}),
        )
}
