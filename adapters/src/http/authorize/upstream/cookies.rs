//! The sealed cookies of an upstream sign-in: the pending sign-in (state, nonce, PKCE
//! verifier and the authorization request it serves) and the pending link (the verified
//! identity waiting for the existing account's password). AES-256-GCM under a key of their
//! own, the cookie name as associated data; HttpOnly, `SameSite=Lax` (the callback is a
//! top-level navigation from the upstream), ten minutes.

use crate::http::state::UpstreamState;
use crate::http::BrowserSettings;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tessera_application::services::{PendingUpstreamLogin, UPSTREAM_LOGIN_TTL_SECS};

/// The pending sign-in's cookie (base name; `__Host-` in front under https).
pub(super) const PENDING_COOKIE: &str = "tessera_upstream";
/// The pending link's cookie.
pub(super) const LINK_COOKIE: &str = "tessera_upstream_link";

/// What the pending sign-in cookie holds.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PendingCookie {
    /// State, nonce, verifier, upstream, expiry.
    pub(super) login: PendingUpstreamLogin,
    /// The authorization request's fields as the login page carried them.
    pub(super) params: Vec<(String, String)>,
}

/// What the pending link cookie holds: a person the upstream vouched for, and the account
/// with the same email whose password must be shown before they are linked.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LinkCookie {
    pub(super) upstream: String,
    pub(super) upstream_name: String,
    pub(super) subject: String,
    pub(super) email: Option<String>,
    pub(super) email_verified: bool,
    pub(super) name: Option<String>,
    /// The existing account.
    pub(super) user: String,
    /// The authorization request's fields.
    pub(super) params: Vec<(String, String)>,
    /// Unix seconds.
    pub(super) expires_at: i64,
}

fn name(browser: &BrowserSettings, base: &'static str) -> String {
    if browser.session_cookie_name().starts_with("__Host-") {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// The cookie `base` holding `value`, sealed.
pub(super) fn seal<T: Serialize>(
    up: &UpstreamState,
    browser: &BrowserSettings,
    base: &'static str,
    value: &T,
) -> Option<Cookie<'static>> {
    let json = serde_json::to_vec(value).ok()?;
    let sealed = up
        .cookies
        .encrypt(&json, base.as_bytes())
        .map_err(|e| log::error!("could not seal the {base} cookie: {e}"))
        .ok()?;
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed);
    Some(build(browser, base, value, UPSTREAM_LOGIN_TTL_SECS))
}

/// The cookie `base` of `req`, opened; `None` when absent, altered or unreadable.
pub(super) fn open<T: DeserializeOwned>(
    up: &UpstreamState,
    req: &HttpRequest,
    browser: &BrowserSettings,
    base: &'static str,
) -> Option<T> {
    let cookie = req.cookie(&name(browser, base))?;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cookie.value())
        .ok()?;
    let json = up.cookies.decrypt(&sealed, base.as_bytes()).ok()?;
    serde_json::from_slice(json.expose_secret()).ok()
}

/// A cookie that deletes `base`.
pub(super) fn expired(browser: &BrowserSettings, base: &'static str) -> Cookie<'static> {
    build(browser, base, String::new(), 0)
}

fn build(
    browser: &BrowserSettings,
    base: &'static str,
    value: String,
    max_age: i64,
) -> Cookie<'static> {
    let secure = browser.session_cookie_name().starts_with("__Host-");
    Cookie::build(name(browser, base), value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age))
        .finish()
}
