//! Second factors and passkeys over JSON (`/users/login/mfa`, `/users/me/mfa*`,
//! `/users/login/passkey*`): bodies in and out.

use serde::Serialize;
use tessera_application::OAuthErrorCode;
use utoipa::ToSchema;

/// `401` of `POST /users/login` when the account has a second factor.
#[derive(Serialize, ToSchema)]
pub struct MfaRequiredBody<'a> {
    /// `mfa_required`.
    #[schema(value_type = String, example = "mfa_required")]
    pub error: OAuthErrorCode,
    #[schema(value_type = String)]
    pub error_description: &'a str,
    /// Single use, bound to the account, valid 5 minutes: send it to `/users/login/mfa`.
    #[schema(value_type = String)]
    pub mfa_token: &'a str,
    /// Seconds the token stays valid.
    pub expires_in: i64,
}

/// `POST /users/login/mfa`.
#[derive(ToSchema)]
pub struct MfaLoginRequest {
    pub mfa_token: String,
    /// A TOTP code (6 digits) or a recovery code.
    pub otp: String,
}

/// `200` of `POST /users/me/mfa/totp`: shown once; TOTP is not on until confirmed.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolmentBody<'a> {
    /// Base32, for typing into an authenticator app.
    #[schema(value_type = String)]
    pub secret: &'a str,
    #[schema(value_type = String, example = "otpauth://totp/Tessera:ada%40example.com?secret=...&issuer=Tessera")]
    pub otpauth_uri: &'a str,
    /// The URI as a QR code, an inline SVG made on the server.
    pub qr_svg: String,
}

/// `POST /users/me/mfa/totp/confirm`.
#[derive(ToSchema)]
pub struct TotpConfirmRequest {
    /// The current code of the authenticator app.
    pub code: String,
}

/// A current TOTP code or a recovery code (turning TOTP off, new recovery codes).
#[derive(ToSchema)]
pub struct OtpRequest {
    pub otp: String,
}

/// Ten recovery codes, shown once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesBody<'a> {
    #[schema(value_type = Vec<String>)]
    pub recovery_codes: Vec<&'a str>,
}

/// One registered passkey.
#[derive(Serialize, ToSchema)]
pub struct PasskeyBody {
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `null` before the first use.
    pub last_used_at: Option<i64>,
}

/// `GET /users/me/mfa`.
#[derive(Serialize, ToSchema)]
pub struct MfaStatusBody {
    pub totp: bool,
    pub passkeys: Vec<PasskeyBody>,
    pub recovery_codes_left: u32,
}

/// A started passkey ceremony: send `handle` back with the browser's answer.
#[derive(Serialize, ToSchema)]
pub struct PasskeyOptionsBody<'a> {
    #[schema(value_type = String)]
    pub handle: &'a str,
    /// WebAuthn options (`{"publicKey": {...}}`, binary fields base64url) for
    /// `navigator.credentials.create` or `get`.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

/// `POST /users/me/mfa/passkeys`: finishes a registration.
#[derive(ToSchema)]
pub struct PasskeyRegistration {
    pub handle: String,
    /// Defaults to "Passkey".
    pub name: Option<String>,
    /// The `PublicKeyCredential` from `navigator.credentials.create`, as JSON.
    #[schema(value_type = Object)]
    pub response: serde_json::Value,
}

/// `PATCH /users/me/mfa/passkeys/{id}`.
#[derive(ToSchema)]
pub struct PasskeyRename {
    pub name: String,
}

/// `POST /users/login/passkey`: a passwordless sign-in.
#[derive(ToSchema)]
pub struct PasskeyLogin {
    pub handle: String,
    /// The `PublicKeyCredential` from `navigator.credentials.get`, as JSON.
    #[schema(value_type = Object)]
    pub response: serde_json::Value,
}
