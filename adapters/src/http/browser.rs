//! Browser plumbing for the pages: cookie names and attributes, and CSRF tokens bound to a
//! per-browser cookie.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::memcmp;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// Cookie settings that depend on whether the issuer is https.
#[derive(Debug, Clone)]
pub struct BrowserSettings {
    secure: bool,
    session_ttl_secs: i64,
}

impl BrowserSettings {
    /// Settings for `issuer`; https turns on `Secure` and the `__Host-` prefix (ASVS 3.3).
    pub fn new(issuer: &str, session_ttl_secs: i64) -> Self {
        Self {
            secure: issuer.starts_with("https://"),
            session_ttl_secs,
        }
    }

    /// Name of the session cookie.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tessera_session"
        } else {
            "tessera_session"
        }
    }

    /// Name of the CSRF binding cookie.
    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tessera_csrf"
        } else {
            "tessera_csrf"
        }
    }

    fn cookie(&self, name: &'static str, value: String, max_age: i64) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(max_age))
            .finish()
    }

    /// The session cookie carrying `value`.
    pub fn session_cookie(&self, value: &str) -> Cookie<'static> {
        self.cookie(
            self.session_cookie_name(),
            value.to_owned(),
            self.session_ttl_secs,
        )
    }

    /// A cookie that deletes the session cookie.
    pub fn expired_session_cookie(&self) -> Cookie<'static> {
        self.cookie(self.session_cookie_name(), String::new(), 0)
    }

    /// The CSRF binding cookie carrying `value` (lives as long as a session could).
    pub fn csrf_cookie(&self, value: &str) -> Cookie<'static> {
        self.cookie(
            self.csrf_cookie_name(),
            value.to_owned(),
            self.session_ttl_secs,
        )
    }

    /// The session cookie's value, if sent.
    pub fn session_value(&self, req: &HttpRequest) -> Option<String> {
        req.cookie(self.session_cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The CSRF binding cookie's value, if sent.
    pub fn csrf_value(&self, req: &HttpRequest) -> Option<String> {
        req.cookie(self.csrf_cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() >= 32)
    }
}

/// CSRF tokens: HMAC-SHA256 of the browser's binding cookie under a key derived from the
/// secret key. A form token is valid only with the cookie of the browser it was made for, so a
/// missing, wrong or other browser's token fails (RFC 6819 §4.4.1.8, ASVS 3.5.1).
pub struct CsrfGuard {
    key: SecretBox<Vec<u8>>,
}

impl CsrfGuard {
    /// Derives the CSRF key from the configured secret key.
    pub fn from_secret(secret: &SecretString) -> Self {
        let key = hmac(secret.expose_secret().as_bytes(), b"tessera/csrf/v1").unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    /// The form token for a binding cookie value.
    pub fn token_for(&self, binding: &str) -> String {
        let mac = hmac(self.key.expose_secret(), binding.as_bytes()).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }

    /// True when `token` was made for `binding`; compared in constant time.
    pub fn verify(&self, binding: Option<&str>, token: Option<&str>) -> bool {
        let (Some(binding), Some(token)) = (binding, token) else {
            return false;
        };
        let expected = self.token_for(binding);
        self.key.expose_secret().len() == 32
            && expected.len() == token.len()
            && memcmp::eq(expected.as_bytes(), token.as_bytes())
    }
}

/// HMAC-SHA256 of `data` under `key` (`None` only if OpenSSL fails); also derives the page
/// keys from the secret key.
pub(super) fn hmac(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let pkey = PKey::hmac(key).ok()?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey).ok()?;
    signer.update(data).ok()?;
    signer.sign_to_vec().ok()
}

/// A page whose form carries a CSRF token bound to the browser's binding cookie, which is set
/// here when the browser has none yet (AS-35). Every CSRF-protected page is answered this way.
/// What the use cases know about this request: the caller's address as the rate limiter sees
/// it, the request id, and one reading of the clock.
pub(super) fn request_context(
    req: &HttpRequest,
    state: &super::AccountState,
) -> tessera_application::RequestContext {
    tessera_application::RequestContext {
        ip: state.limiter.client_ip(req),
        request_id: crate::observability::with_current_request_id(|id| {
            id.unwrap_or_default().to_owned()
        }),
        now: state.clock.now(),
    }
}

/// [`page_with_csrf_in`] with the request's own language (`Accept-Language`).
#[allow(dead_code)] // kept for account pages rendered without an explicit context
pub(super) fn page_with_csrf(
    req: &HttpRequest,
    state: &super::AccountState,
    page: impl FnOnce(&str) -> String,
) -> actix_web::HttpResponse {
    page_with_csrf_in(&super::pages::Ui::from_request(req, None), req, state, page)
}

/// [`page_with_csrf`] for a page rendered with `ui` (its language header and CSP).
pub(super) fn page_with_csrf_in(
    ui: &super::pages::Ui,
    req: &HttpRequest,
    state: &super::AccountState,
    page: impl FnOnce(&str) -> String,
) -> actix_web::HttpResponse {
    let (binding, new) = match state.browser.csrf_value(req) {
        Some(v) => (v, false),
        None => (
            tessera_application::ports::random_token(state.rng.as_ref(), 32),
            true,
        ),
    };
    let mut res = ui.respond(
        actix_web::http::StatusCode::OK,
        page(&state.csrf.token_for(&binding)),
    );
    if new {
        let _ = res.add_cookie(&state.browser.csrf_cookie(&binding));
    }
    res
}

#[cfg(test)]
mod tests;
