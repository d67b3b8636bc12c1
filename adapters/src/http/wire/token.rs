//! `POST /token` (RFC 6749 §3.2): the form it reads and the token response.

use serde::Serialize;
use utoipa::ToSchema;

/// Grants the token endpoint runs.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    /// `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693).
    #[schema(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
    #[schema(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

/// `POST /token` form body (RFC 6749 §4.1.3, §6, §4.4). The client authenticates with HTTP
/// Basic, or `client_id` (+ `client_secret`) in the body; each parameter at most once, empty
/// values count as absent.
#[derive(ToSchema)]
pub struct TokenRequest {
    pub grant_type: GrantType,
    /// `authorization_code`: the code from the redirect.
    pub code: Option<String>,
    /// `authorization_code`: the redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
    /// `authorization_code`: the PKCE verifier (RFC 7636).
    pub code_verifier: Option<String>,
    /// `refresh_token`: the refresh token.
    pub refresh_token: Option<String>,
    /// `urn:ietf:params:oauth:grant-type:device_code`: the device code (RFC 8628 §3.4).
    pub device_code: Option<String>,
    /// Space-separated scopes (a subset of what the client or grant allows).
    pub scope: Option<String>,
    /// Token exchange: the access token to exchange.
    pub subject_token: Option<String>,
    /// Token exchange: `urn:ietf:params:oauth:token-type:access_token`.
    pub subject_token_type: Option<String>,
    /// Token exchange: the acting party's access token (delegation; the result carries `act`).
    pub actor_token: Option<String>,
    /// Token exchange: `urn:ietf:params:oauth:token-type:access_token`, with `actor_token`.
    pub actor_token_type: Option<String>,
    /// RFC 8707 resource indicator of the target; may repeat (token exchange).
    pub resource: Option<Vec<String>>,
    /// Token exchange: identifier of a registered resource to target; may repeat.
    pub audience: Option<Vec<String>>,
    /// Token exchange: only `urn:ietf:params:oauth:token-type:access_token`.
    pub requested_token_type: Option<String>,
    /// `client_secret_post` and public clients.
    pub client_id: Option<String>,
    /// `client_secret_post`.
    pub client_secret: Option<String>,
}

/// The `token_type` of unbound tokens (RFC 6750).
pub const BEARER: &str = "Bearer";

/// RFC 6749 §5.1 token response.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT per RFC 9068.
    pub access_token: String,
    /// `Bearer`, or `DPoP` when a `DPoP` proof bound the token to its key (RFC 9449 §5).
    #[schema(value_type = String, example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Opaque; rotates on every use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// OIDC ID token, when `openid` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Token exchange (RFC 8693 §2.2.1): the type of `access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "urn:ietf:params:oauth:token-type:access_token")]
    pub issued_token_type: Option<&'static str>,
}
