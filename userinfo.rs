//! `GET, POST /userinfo` (OIDC Core §5.3).

use utoipa::ToSchema;

/// `POST /userinfo` form body (RFC 6750 §2.2): the token here or in the header, not both.
#[derive(ToSchema)]
pub struct UserInfoForm {
    pub access_token: Option<String>,
}

/// OIDC Core §5.3.2: the claims the token's scopes allow. The use case builds the claims as
/// JSON (the set grows with the scopes); this type describes them.
#[derive(ToSchema)]
pub struct UserInfoClaims {
    pub sub: String,
    /// With `profile`.
    pub name: Option<String>,
    /// With `email`.
    pub email: Option<String>,
    /// With `email`.
    pub email_verified: Option<bool>,
}
