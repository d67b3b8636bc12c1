//! `POST /introspect` (RFC 7662).

use serde::Serialize;
use tessera_application::services::IntrospectionResponse;
use utoipa::ToSchema;

/// `POST /introspect` form body (RFC 7662 §2.1); only confidential clients may ask.
#[derive(ToSchema)]
pub struct IntrospectRequest {
    /// An access token (JWT) or a refresh token.
    pub token: String,
    /// `access_token` or `refresh_token`; a hint only.
    pub token_type_hint: Option<String>,
    /// `client_secret_post`.
    pub client_id: Option<String>,
    /// `client_secret_post`.
    pub client_secret: Option<String>,
}

/// RFC 7662 §2.2: `{"active": false}` alone for anything not usable.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntrospectResponse {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// One identifier, or an array of them when the token names several resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub aud: Option<tessera_domain::Audience>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// RFC 9449 §6.2: `{"jkt": "..."}` for a DPoP-bound token (whose `token_type` is `DPoP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, example = json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}))]
    pub cnf: Option<tessera_domain::Confirmation>,
}

impl From<IntrospectionResponse> for IntrospectResponse {
    fn from(r: IntrospectionResponse) -> Self {
        Self {
            active: r.active,
            scope: r.scope,
            client_id: r.client_id,
            token_type: r.token_type,
            exp: r.exp,
            iat: r.iat,
            sub: r.sub,
            aud: r.aud,
            iss: r.iss,
            jti: r.jti,
            cnf: r.cnf,
        }
    }
}
