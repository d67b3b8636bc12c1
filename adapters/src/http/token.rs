//! `POST /token` (RFC 6749 §3.2).

use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::state::TokenEndpoints;
use super::wire::{ErrorBody, TokenRequest, TokenResponse, BEARER};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::GrantRequest;
use tessera_application::services::TokenSet;
use tessera_domain::GrantType;

// `POST /token`: authenticates the client, checks the grant type, runs the grant.
/// Token endpoint (RFC 6749 §3.2)
#[utoipa::path(post, operation_id = "token", path = "/token", tag = "oauth",
    description = "Grants: `authorization_code` (with PKCE), `refresh_token` (rotating), \
                   `client_credentials`.",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "RFC 6749 §5.1 token response (no-store)", body = TokenResponse),
        (status = 400, description = "RFC 6749 §5.2 error", body = ErrorBody),
        (status = 401, description = "`invalid_client`, with `WWW-Authenticate`", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Rate limited (Retry-After)", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable (Retry-After)", body = ErrorBody),
    ))]
pub async fn token_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<TokenEndpoints>,
) -> Result<HttpResponse, ApiError> {
    let (form, client) = authenticated_form(&req, payload, &state).await?;
    let resources = form.get_all("resource");
    let request = grant_request(&form, &resources)?;
    let tokens = state
        .grants
        .grant(&state.context(&req), &client, request)
        .await?;
    state.count_issued(request.grant_type());
    Ok(token_response(tokens))
}

/// The grant the form asks for, with the parameters that grant requires.
fn grant_request<'a>(
    form: &'a OAuthForm,
    resources: &'a [&'a str],
) -> Result<GrantRequest<'a>, ApiError> {
    let grant_name = form.require("grant_type")?;
    let grant =
        GrantType::parse(grant_name).map_err(|_| ApiError::unsupported_grant_type(grant_name))?;
    Ok(match grant {
        GrantType::ClientCredentials => GrantRequest::ClientCredentials {
            scope: form.get("scope"),
            resources,
        },
        GrantType::AuthorizationCode => GrantRequest::AuthorizationCode {
            code: form.require("code")?,
            redirect_uri: form.get("redirect_uri"),
            code_verifier: form.get("code_verifier"),
            resources,
        },
        GrantType::RefreshToken => GrantRequest::RefreshToken {
            refresh_token: form.require("refresh_token")?,
            scope: form.get("scope"),
            resources,
        },
        GrantType::DeviceCode | GrantType::TokenExchange => {
            return Err(ApiError::unsupported_grant_type(grant_name))
        }
    })
}

/// The RFC 6749 §5.1 response: never cached.
fn token_response(tokens: TokenSet) -> HttpResponse {
    let scope = tokens.scope.to_string();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token.expose_secret().to_owned(),
            token_type: BEARER,
            expires_in: tokens.expires_in,
            scope: Some(scope).filter(|s| !s.is_empty()),
            refresh_token: tokens.refresh_token.map(|t| t.expose_secret().to_owned()),
            id_token: tokens.id_token,
        })
}
