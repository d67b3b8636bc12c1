//! The JSON account API (`/users/...`) and the emailed-link pages: bodies in and out.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /users/register`.
#[derive(ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    /// Checked against the password policy.
    pub password: String,
    pub name: Option<String>,
}

/// `202` of `POST /users/register`: only the address, as normalised (lower case, NFC).
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub email: String,
}

/// `POST /users/login`.
#[derive(ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// RFC 6749 §5.1 fields of a direct login (client `tessera-account`).
#[derive(Serialize, ToSchema)]
pub struct AccountTokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    pub refresh_token: Option<String>,
}

/// The signed-in user's profile.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    /// `null` when unset.
    pub name: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// `PATCH /users/me`: `name` is required; a string sets it, `null` clears it.
#[derive(ToSchema)]
pub struct ProfilePatch {
    #[schema(required = true)]
    pub name: Option<String>,
}

/// `POST /users/me/password`: every session and refresh token of the user ends.
#[derive(ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `DELETE /users/me`: the password confirms the deletion.
#[derive(ToSchema)]
pub struct AccountDeletion {
    pub password: String,
}

/// `{"email"}` of the requests that mail a link.
#[derive(ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

/// `202`: the answer is the same whether or not the account exists.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    #[schema(example = "accepted")]
    pub status: String,
}

/// `{"token"}` of an email verification (the token from the mailed link).
#[derive(ToSchema)]
pub struct VerifyEmailRequest {
    pub token: String,
}

/// The form the verification page posts.
#[derive(ToSchema)]
pub struct VerifyEmailForm {
    pub token: String,
    pub csrf_token: String,
}

/// `200` of a JSON verification.
#[derive(Serialize, ToSchema)]
pub struct EmailVerified {
    pub email_verified: bool,
}

/// `{"token","password"}` of a password reset.
#[derive(ToSchema)]
pub struct ResetConfirmation {
    pub token: String,
    pub password: String,
}

/// The form the reset page posts.
#[derive(ToSchema)]
pub struct ResetConfirmationForm {
    pub token: String,
    pub password: String,
    pub csrf_token: String,
}
