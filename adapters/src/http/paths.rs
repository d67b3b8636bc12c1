//! Endpoint paths, fixed by the outside contract; the router and discovery both use these.

/// OpenID Connect Discovery 1.0.
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// RFC 8414 metadata.
pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";
/// RFC 7517 key set.
pub const JWKS: &str = "/jwks";
/// RFC 6749 token endpoint.
pub const TOKEN: &str = "/token";
/// RFC 7662 introspection.
pub const INTROSPECT: &str = "/introspect";
/// RFC 7009 revocation.
pub const REVOKE: &str = "/revoke";
/// Liveness.
pub const HEALTHZ: &str = "/healthz";
/// Readiness.
pub const READYZ: &str = "/readyz";
/// RFC 6749 §3.1 authorization endpoint.
pub const AUTHORIZE: &str = "/authorize";
/// OIDC Core §5.3 UserInfo.
pub const USERINFO: &str = "/userinfo";
/// OIDC RP-Initiated Logout `end_session_endpoint`.
pub const LOGOUT: &str = "/logout";
/// Account API: registration.
pub const USERS_REGISTER: &str = "/users/register";
/// Account API: direct login with a password.
pub const USERS_LOGIN: &str = "/users/login";
/// Account API: the signed-in user's profile.
pub const USERS_ME: &str = "/users/me";
/// `PATCH`/`DELETE` of one's own account share [`USERS_ME`]; the password change lives here.
pub const USERS_ME_PASSWORD: &str = "/users/me/password";
/// Target of email-verification links (page and JSON).
pub const USERS_VERIFY_EMAIL: &str = tessera_application::services::VERIFY_EMAIL_PATH;
/// Asks for a new verification link.
pub const USERS_VERIFY_EMAIL_RESEND: &str = "/users/verify-email/resend";
/// Asks for a password-reset link.
pub const USERS_PASSWORD_RESET: &str = "/users/password-reset";
/// Target of password-reset links (page and JSON).
pub const USERS_PASSWORD_RESET_CONFIRM: &str = tessera_application::services::RESET_PASSWORD_PATH;
