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
/// Prometheus scrape target.
pub const METRICS: &str = "/metrics";
/// RFC 6749 §3.1 authorization endpoint.
pub const AUTHORIZE: &str = "/authorize";
/// RFC 9126 pushed authorization request endpoint.
pub const PAR: &str = "/par";
/// RFC 8628 §3.1 device authorization endpoint.
pub const DEVICE_AUTHORIZATION: &str = "/device_authorization";
/// RFC 8628 §3.3 verification URI: where a person enters the user code.
pub const DEVICE: &str = "/device";
/// OIDC Core §5.3 UserInfo.
pub const USERINFO: &str = "/userinfo";
/// OIDC RP-Initiated Logout `end_session_endpoint`.
pub const LOGOUT: &str = "/logout";
/// RFC 7591 dynamic client registration.
pub const REGISTER: &str = "/register";
/// RFC 7592 client configuration endpoint (`registration_client_uri`).
pub const REGISTER_CLIENT: &str = "/register/{client_id}";
/// Account API: registration.
pub const USERS_REGISTER: &str = "/users/register";
/// Account API: direct login with a password.
pub const USERS_LOGIN: &str = "/users/login";
/// Account API: the signed-in user's profile.
pub const USERS_ME: &str = "/users/me";
/// `PATCH`/`DELETE` of one's own account share [`USERS_ME`]; the password change lives here.
pub const USERS_ME_PASSWORD: &str = "/users/me/password";
/// Account API: the second step of a login that answered `mfa_required`.
pub const USERS_LOGIN_MFA: &str = "/users/login/mfa";
/// Account API: options of a passwordless passkey sign-in (the login page's button too).
pub const USERS_LOGIN_PASSKEY_OPTIONS: &str = "/users/login/passkey/options";
/// Account API: a passwordless passkey sign-in.
pub const USERS_LOGIN_PASSKEY: &str = "/users/login/passkey";
/// The signed-in account's second factors.
pub const USERS_ME_MFA: &str = "/users/me/mfa";
/// TOTP enrolment (`POST`) and turning it off (`DELETE`).
pub const USERS_ME_MFA_TOTP: &str = "/users/me/mfa/totp";
/// Confirms a TOTP enrolment.
pub const USERS_ME_MFA_TOTP_CONFIRM: &str = "/users/me/mfa/totp/confirm";
/// New recovery codes.
pub const USERS_ME_MFA_RECOVERY_CODES: &str = "/users/me/mfa/recovery-codes";
/// Options of a passkey registration.
pub const USERS_ME_MFA_PASSKEYS_OPTIONS: &str = "/users/me/mfa/passkeys/options";
/// Finishes a passkey registration.
pub const USERS_ME_MFA_PASSKEYS: &str = "/users/me/mfa/passkeys";
/// One passkey: rename (`PATCH`), remove (`DELETE`).
pub const USERS_ME_MFA_PASSKEY: &str = "/users/me/mfa/passkeys/{id}";
/// The signed-in person's live browser sessions.
pub const USERS_ME_SESSIONS: &str = "/users/me/sessions";
/// Ends one of them.
pub const USERS_ME_SESSION: &str = "/users/me/sessions/{id}";
/// The apps the signed-in person let in.
pub const USERS_ME_APPS: &str = "/users/me/apps";
/// Withdraws one app's access.
pub const USERS_ME_APP: &str = "/users/me/apps/{client_id}";
/// The signed-in person's own page in the browser.
pub const ACCOUNT: &str = "/account";
/// Target of email-verification links (page and JSON).
pub const USERS_VERIFY_EMAIL: &str = "/users/verify-email";
/// Asks for a new verification link.
pub const USERS_VERIFY_EMAIL_RESEND: &str = "/users/verify-email/resend";
/// Asks for a password-reset link.
pub const USERS_PASSWORD_RESET: &str = "/users/password-reset";
/// Target of password-reset links (page and JSON).
pub const USERS_PASSWORD_RESET_CONFIRM: &str = "/users/password-reset/confirm";
/// The browser page behind the login page's "Forgot your password?" link.
pub const FORGOT_PASSWORD: &str = "/forgot-password";
/// The browser page behind the login page's "Create an account" link.
pub const SIGNUP: &str = "/signup";
/// The OpenAPI 3.1 description of every endpoint.
pub const OPENAPI_JSON: &str = "/openapi.json";
/// That description as a page (outside production only).
pub const DOCS: &str = "/docs";

/// Every method and path pattern the server registers, admin API included. The OpenAPI
/// document must describe exactly these (unit test in `http::openapi`), and the e2e test
/// checks that each one is really routed, so a route added without a description fails.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", OPENID_CONFIGURATION),
    ("GET", OAUTH_AUTHORIZATION_SERVER),
    ("GET", JWKS),
    ("GET", AUTHORIZE),
    ("POST", AUTHORIZE),
    ("POST", TOKEN),
    ("POST", PAR),
    ("POST", DEVICE_AUTHORIZATION),
    ("GET", DEVICE),
    ("POST", DEVICE),
    ("POST", INTROSPECT),
    ("POST", REVOKE),
    ("GET", USERINFO),
    ("POST", USERINFO),
    ("GET", LOGOUT),
    ("POST", LOGOUT),
    ("POST", USERS_REGISTER),
    ("POST", REGISTER),
    ("GET", REGISTER_CLIENT),
    ("PUT", REGISTER_CLIENT),
    ("DELETE", REGISTER_CLIENT),
    ("POST", USERS_LOGIN),
    ("GET", USERS_ME),
    ("PATCH", USERS_ME),
    ("DELETE", USERS_ME),
    ("POST", USERS_ME_PASSWORD),
    ("POST", USERS_LOGIN_MFA),
    ("POST", USERS_LOGIN_PASSKEY_OPTIONS),
    ("POST", USERS_LOGIN_PASSKEY),
    ("GET", USERS_ME_MFA),
    ("POST", USERS_ME_MFA_TOTP),
    ("DELETE", USERS_ME_MFA_TOTP),
    ("POST", USERS_ME_MFA_TOTP_CONFIRM),
    ("POST", USERS_ME_MFA_RECOVERY_CODES),
    ("POST", USERS_ME_MFA_PASSKEYS_OPTIONS),
    ("POST", USERS_ME_MFA_PASSKEYS),
    ("PATCH", USERS_ME_MFA_PASSKEY),
    ("DELETE", USERS_ME_MFA_PASSKEY),
    ("GET", USERS_ME_SESSIONS),
    ("DELETE", USERS_ME_SESSION),
    ("GET", USERS_ME_APPS),
    ("DELETE", USERS_ME_APP),
    ("GET", ACCOUNT),
    ("POST", ACCOUNT),
    ("GET", USERS_VERIFY_EMAIL),
    ("POST", USERS_VERIFY_EMAIL),
    ("POST", USERS_VERIFY_EMAIL_RESEND),
    ("POST", USERS_PASSWORD_RESET),
    ("GET", USERS_PASSWORD_RESET_CONFIRM),
    ("POST", USERS_PASSWORD_RESET_CONFIRM),
    ("GET", FORGOT_PASSWORD),
    ("POST", FORGOT_PASSWORD),
    ("GET", SIGNUP),
    ("POST", SIGNUP),
    ("GET", HEALTHZ),
    ("GET", READYZ),
    ("GET", METRICS),
    ("GET", OPENAPI_JSON),
    ("GET", DOCS),
    ("GET", "/admin/clients"),
    ("POST", "/admin/clients"),
    ("GET", "/admin/clients/{id}"),
    ("PATCH", "/admin/clients/{id}"),
    ("DELETE", "/admin/clients/{id}"),
    ("POST", "/admin/clients/{id}/secret"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/{id}"),
    ("DELETE", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}/disable"),
    ("POST", "/admin/users/{id}/enable"),
    ("POST", "/admin/users/{id}/unlock"),
    ("POST", "/admin/users/{id}/password-reset"),
    ("POST", "/admin/users/{id}/mfa/reset"),
    ("GET", "/admin/users/{id}/consents"),
    ("DELETE", "/admin/users/{id}/consents/{client_id}"),
    ("DELETE", "/admin/users/{id}/sessions"),
    ("GET", "/admin/users/{id}/roles"),
    ("PUT", "/admin/users/{id}/roles"),
    ("GET", "/admin/keys"),
    ("POST", "/admin/keys/rotate"),
    ("GET", "/admin/api-keys"),
    ("POST", "/admin/api-keys"),
    ("DELETE", "/admin/api-keys/{id}"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/resources"),
    ("POST", "/admin/resources"),
    ("DELETE", "/admin/resources"),
];

/// Where the emailed links of `issuer` (the public base URL) point: the pages above, so the
/// application mails links without knowing the paths.
pub fn link_targets(issuer: &str) -> tessera_application::services::LinkTargets {
    let base = issuer.trim_end_matches('/');
    tessera_application::services::LinkTargets {
        verify_email: format!("{base}{USERS_VERIFY_EMAIL}"),
        reset_password: format!("{base}{USERS_PASSWORD_RESET_CONFIRM}"),
        password_reset_request: format!("{base}{USERS_PASSWORD_RESET}"),
    }
}
