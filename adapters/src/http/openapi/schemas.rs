//! Types that exist only to describe request and response bodies in the OpenAPI document.
//!
//! The handlers keep their own (private, borrowed) body types; these mirror their field names.
//! A field renamed in a handler and not here is caught by the e2e and schemathesis runs, not
//! by the compiler, so keep the two side by side when changing a body.

// Never constructed: only their `ToSchema` impls are used.
#![allow(dead_code)]

use utoipa::ToSchema;

/// The one error shape (RFC 6749 §5.2): every JSON error of every endpoint.
#[derive(ToSchema)]
#[schema(example = json!({"error": "invalid_request", "error_description": "missing parameter \"token\""}))]
pub struct Error {
    /// Machine-readable code: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_token`,
    /// `insufficient_scope`, `not_found`, `conflict`, `too_many_requests`,
    /// `temporarily_unavailable`, `server_error`, ...
    pub error: String,
    /// A human-readable explanation (ASCII, no secrets).
    pub error_description: String,
}

/// Grants the token endpoint runs.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
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
    /// Space-separated scopes (a subset of what the client or grant allows).
    pub scope: Option<String>,
    /// `client_secret_post` and public clients.
    pub client_id: Option<String>,
    /// `client_secret_post`.
    pub client_secret: Option<String>,
}

/// RFC 6749 §5.1 token response.
#[derive(ToSchema)]
pub struct TokenResponse {
    /// A JWT per RFC 9068.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: Option<String>,
    /// Opaque; rotates on every use.
    pub refresh_token: Option<String>,
    /// OIDC ID token, when `openid` was granted.
    pub id_token: Option<String>,
}

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
#[derive(ToSchema)]
pub struct IntrospectResponse {
    pub active: bool,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub token_type: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub sub: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub jti: Option<String>,
}

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

/// `POST /userinfo` form body (RFC 6750 §2.2): the token here or in the header, not both.
#[derive(ToSchema)]
pub struct UserInfoForm {
    pub access_token: Option<String>,
}

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

/// An authorization request (RFC 6749 §4.1.1, PKCE, OIDC Core §3.1.2.1), as query parameters
/// of `GET` or the form body of `POST`. The login and consent pages post back here with the
/// same parameters plus their own fields.
#[derive(ToSchema)]
pub struct AuthorizeForm {
    /// `code`.
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    /// PKCE, `S256` only.
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    /// `none`, `login`, `consent`, `select_account`.
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    /// `query` or `form_post`.
    pub response_mode: Option<String>,
    /// Page field: the anti-forgery token.
    pub csrf_token: Option<String>,
    /// Page field: which form was sent.
    pub action: Option<String>,
    /// Login page field.
    pub email: Option<String>,
    /// Login page field.
    pub password: Option<String>,
    /// Consent page field: `allow` or `deny`.
    pub decision: Option<String>,
}

/// The logout confirmation form (CSRF-protected), carrying the `GET /logout` parameters.
#[derive(ToSchema)]
pub struct LogoutForm {
    pub csrf_token: Option<String>,
    /// `yes` to sign out.
    pub confirm: Option<String>,
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
}

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
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
}

/// One public key (RFC 7517 §4); RSA keys carry `n`/`e`, EC and OKP keys `crv`/`x`(/`y`).
#[derive(ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[schema(rename = "use")]
    pub use_: Option<String>,
    pub alg: Option<String>,
    pub n: Option<String>,
    pub e: Option<String>,
    pub crv: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
}

/// RFC 7517 §5 key set: the active key and those still or already published.
#[derive(ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// `{"status": "ok"}` / `{"status": "ready"}`.
#[derive(ToSchema)]
pub struct Status {
    pub status: String,
}

/// `POST /users/register`.
#[derive(ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    /// Checked against the password policy.
    pub password: String,
    pub name: Option<String>,
}

/// `202` of `POST /users/register`: only the address, as normalised (lower case, NFC).
#[derive(ToSchema)]
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
#[derive(ToSchema)]
pub struct AccountTokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    pub refresh_token: Option<String>,
}

/// The signed-in user's profile.
#[derive(ToSchema)]
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
#[derive(ToSchema)]
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
#[derive(ToSchema)]
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

/// `POST /admin/clients`: the fields of `tessera client create`.
#[derive(ToSchema)]
pub struct AdminClientCreate {
    pub name: String,
    /// `authorization_code`, `refresh_token`, `client_credentials`.
    pub grants: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub scope: Option<String>,
    /// `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `none`.
    pub auth_method: Option<String>,
    pub public: Option<bool>,
    pub skip_consent: Option<bool>,
}

/// `PATCH /admin/clients/{id}`: only the fields present change.
#[derive(ToSchema)]
pub struct AdminClientUpdate {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grants: Option<Vec<String>>,
    pub scope: Option<String>,
    pub skip_consent: Option<bool>,
}

/// `POST /admin/api-keys`.
#[derive(ToSchema)]
pub struct AdminApiKeyCreate {
    pub name: String,
}

/// `POST /admin/keys/rotate`.
#[derive(ToSchema)]
pub struct AdminKeyRotate {
    /// `RS256` (default), `ES256` or `EdDSA`.
    pub alg: Option<String>,
    /// `true`: rotate even to a key that has been published for less than the JWKS cache
    /// lifetime (default `false`: such a rotation answers `409`).
    pub force: Option<bool>,
}
