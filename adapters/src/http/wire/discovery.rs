//! RFC 8414 / OIDC Discovery metadata.

use utoipa::ToSchema;

/// The main fields of the RFC 8414 / OIDC Discovery metadata (the document has more).
#[derive(ToSchema)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: String,
    pub introspection_endpoint: String,
    pub revocation_endpoint: String,
    /// RFC 8628 device authorization endpoint.
    pub device_authorization_endpoint: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// RFC 8414: algorithms of `private_key_jwt` / `client_secret_jwt` assertions.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
}
