//! `GET, POST /userinfo` (OIDC Core §5.3).

use utoipa::ToSchema;

/// `POST /userinfo` form body (RFC 6750 §2.2): the token here or in the header, not both.
#[derive(ToSchema)]
pub struct UserInfoForm {
    pub access_token: Option<String>,
}

// The use case builds the claims as JSON (the set grows with the scopes); this type describes
// them. Its doc comment is the schema's description in the document.
/// OIDC Core §5.3.2: the claims the token's scopes allow.
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
