//! `POST /token` (RFC 6749 §3.2).

use super::client_auth::presented_credentials;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::HttpState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde::Serialize;
use tessera_domain::GrantType;

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
}

/// `POST /token`: checks the grant type, authenticates the client, runs the grant.
pub async fn token_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let form = OAuthForm::read(&req, payload).await?;
    let grant_name = form.require("grant_type")?;
    let grant = GrantType::parse(grant_name)
        .ok()
        .filter(|g| *g == GrantType::ClientCredentials)
        .ok_or_else(|| ApiError::unsupported_grant_type(grant_name))?;
    let client = state
        .authenticator
        .authenticate(presented_credentials(&req, &form)?)
        .await?;
    match grant {
        GrantType::ClientCredentials => {
            let issued = state.client_credentials.issue(&client, form.get("scope"))?;
            let scope = issued.scope.to_string();
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(TokenResponse {
                    access_token: issued.access_token.expose_secret(),
                    token_type: "Bearer",
                    expires_in: issued.expires_in,
                    scope: &scope,
                }))
        }
        other => Err(ApiError::unsupported_grant_type(other.as_str())),
    }
}
