//! `POST /token` (RFC 6749 §3.2).

use super::client_auth::authenticated_form;
use super::dpop::dpop_proof;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::state::TokenEndpoints;
use super::wire::{ErrorBody, TokenRequest, TokenResponse, BEARER};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::TokenSet;
use tessera_application::services::{ExchangeRequest, GrantRequest, ACCESS_TOKEN_TYPE};
use tessera_domain::{GrantType, DPOP_TOKEN_TYPE};

// `POST /token`: authenticates the client, checks the grant type, runs the grant.
/// Token endpoint (RFC 6749 §3.2)
#[utoipa::path(post, operation_id = "token", path = "/token", tag = "oauth",
    description = "Grants: `authorization_code` (with PKCE), `refresh_token` (rotating), \
                   `client_credentials`, `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4: \
                   `authorization_pending`, `slow_down`, `access_denied`, `expired_token`), \
                   `urn:ietf:params:oauth:grant-type:token-exchange` \
                   (RFC 8693: an access token of this issuer for one meant for a registered \
                   resource the client's exchange policy allows; `resource` and `audience` may \
                   repeat). A `DPoP` proof header (RFC 9449) binds the access token (`cnf.jkt`, \
                   `token_type` `DPoP`) and a public client's refresh token to its key; clients \
                   registered with `require_dpop` must send one. With nonces configured, every \
                   answer carries `DPoP-Nonce` and a proof without it gets `400 use_dpop_nonce`.",
    params(("DPoP" = Option<String>, Header, description = "RFC 9449 DPoP proof JWT (`typ` `dpop+jwt`)")),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "RFC 6749 §5.1 token response (no-store)", body = TokenResponse),
        (status = 400, description = "RFC 6749 §5.2 error; `invalid_dpop_proof`, or `use_dpop_nonce` with a `DPoP-Nonce` header", body = ErrorBody),
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
    let audiences = form.get_all("audience");
    let request = grant_request(&form, &resources, &audiences)?;
    let proof = dpop_proof(&req)?;
    // RFC 9449 §8: a fresh nonce goes with every answer once nonces are on, refusals included.
    let nonce = state.grants.dpop_nonce();
    let tokens = state
        .grants
        .grant(&state.context(&req), &client, request, proof)
        .await
        .map_err(|e| ApiError::from(e).with_dpop_nonce(nonce.clone()))?;
    state.count_issued(request.grant_type());
    let issued_token_type = matches!(request, GrantRequest::TokenExchange(_));
    let mut response = token_response(tokens, issued_token_type);
    if let Some(n) = nonce {
        if let Ok(value) = header::HeaderValue::from_str(&n) {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static("dpop-nonce"), value);
        }
    }
    Ok(response)
}

/// The grant the form asks for, with the parameters that grant requires.
fn grant_request<'a>(
    form: &'a OAuthForm,
    resources: &'a [&'a str],
    audiences: &'a [&'a str],
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
        GrantType::TokenExchange => GrantRequest::TokenExchange(ExchangeRequest {
            subject_token: form.require("subject_token")?,
            subject_token_type: form.require("subject_token_type")?,
            actor_token: form.get("actor_token"),
            actor_token_type: form.get("actor_token_type"),
            resources,
            audiences,
            scope: form.get("scope"),
            requested_token_type: form.get("requested_token_type"),
            dpop_jkt: None,
        }),
        GrantType::DeviceCode => GrantRequest::DeviceCode {
            device_code: form.require("device_code")?,
        },
    })
}

/// The RFC 6749 §5.1 response: never cached. A token exchange also says what it issued
/// (RFC 8693 §2.2.1).
fn token_response(tokens: TokenSet, exchanged: bool) -> HttpResponse {
    let scope = tokens.scope.to_string();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token.expose_secret().to_owned(),
            token_type: if tokens.dpop_bound {
                DPOP_TOKEN_TYPE
            } else {
                BEARER
            },
            expires_in: tokens.expires_in,
            scope: Some(scope).filter(|s| !s.is_empty()),
            refresh_token: tokens.refresh_token.map(|t| t.expose_secret().to_owned()),
            id_token: tokens.id_token,
            issued_token_type: exchanged.then_some(ACCESS_TOKEN_TYPE),
        })
}
