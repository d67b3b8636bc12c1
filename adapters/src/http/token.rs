//! `POST /token` (RFC 6749 §3.2).

use super::audit_trail;
use super::client_auth::authenticated_form;
use super::errors::ApiError;
use super::wire::{ErrorBody, TokenRequest, TokenResponse, BEARER};
use super::HttpState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::TokenSet;
use tessera_domain::GrantType;
use tessera_domain::{AuditAction, AuditOutcome};

// `POST /token`: checks the grant type, authenticates the client, runs the grant.
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
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let (form, client) = authenticated_form(&req, payload, &state).await?;
    let grant_name = form.require("grant_type")?;
    let grant =
        GrantType::parse(grant_name).map_err(|_| ApiError::unsupported_grant_type(grant_name))?;
    let tokens = match grant {
        GrantType::ClientCredentials => {
            let issued = state.client_credentials.issue(&client, form.get("scope"))?;
            TokenSet {
                access_token: issued.access_token,
                expires_in: issued.expires_in,
                scope: issued.scope,
                refresh_token: None,
                id_token: None,
            }
        }
        GrantType::AuthorizationCode => {
            state
                .code_grant
                .exchange(
                    &client,
                    form.require("code")?,
                    form.get("redirect_uri"),
                    form.get("code_verifier"),
                )
                .await?
        }
        GrantType::RefreshToken => {
            state
                .refresh_grant
                .refresh(&client, form.require("refresh_token")?, form.get("scope"))
                .await?
        }
    };
    state.metrics.token_issued(grant.as_str());
    let action = if grant == GrantType::RefreshToken {
        AuditAction::TokenRefreshed
    } else {
        AuditAction::TokenIssued
    };
    state.audit.record(
        audit_trail::event(&state, &req, action, AuditOutcome::Success)
            .client(client.id.as_str())
            .detail(format!("grant={}", grant.as_str())),
    );
    let scope = tokens.scope.to_string();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token.expose_secret().to_owned(),
            token_type: BEARER,
            expires_in: tokens.expires_in,
            scope: Some(scope).filter(|s| !s.is_empty()),
            refresh_token: tokens.refresh_token.map(|t| t.expose_secret().to_owned()),
            id_token: tokens.id_token,
        }))
}
