//! `POST /revoke` (RFC 7009): the form it reads; the answer is an empty `200`.

use utoipa::ToSchema;

/// `POST /revoke` form body (RFC 7009 §2.1). Unknown tokens also answer `200`.
#[derive(ToSchema)]
pub struct RevokeRequest {
    pub token: String,
    /// `access_token` or `refresh_token`; a hint only.
    pub token_type_hint: Option<String>,
    /// Public clients and `client_secret_post`.
    pub client_id: Option<String>,
    /// `client_secret_post`.
    pub client_secret: Option<String>,
}
