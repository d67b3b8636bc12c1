//! Trusted-device cookies (OWASP "device cookies"): a browser that has signed in to an account
//! carries a signed cookie naming that account, and may sign in to it while the account is
//! locked by other people's failures. An attacker who keeps an account locked therefore locks
//! out only browsers that never signed in to it (ASVS 6.3.1), and a stolen cookie is limited
//! by its own failure budget (see [`super::RateLimiter::device_usable`]).

use super::rate_limit::RateLimiter;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use openssl::memcmp;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use tessera_application::ports::RandomSource;
use tessera_application::services::SignInContext;
use tessera_domain::{UnixTime, UserId};

/// How long a browser stays trusted after its last successful sign-in.
pub const DEVICE_TTL_SECS: i64 = 90 * 24 * 3600;
/// Domain separation: this key signs nothing else.
const KEY_LABEL: &[u8] = b"tessera/trusted-device/v1";

/// A verified cookie: whose browser it is, and the cookie's own id (its failure budget key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDevice {
    /// The account the browser signed in to.
    pub user: UserId,
    /// Random id of this cookie.
    pub device: String,
}

/// Makes and checks the cookies: `user.device.issued.mac`, the MAC an HMAC-SHA256 under a key
/// derived from the secret key, so every process sharing the secret key accepts them.
pub struct DeviceCookies {
    key: SecretBox<Vec<u8>>,
    secure: bool,
}

impl DeviceCookies {
    /// Derives the key from the configured secret; `secure` for an https issuer.
    pub fn new(secret: &SecretString, issuer: &str) -> Self {
        let key =
            super::browser::hmac(secret.expose_secret().as_bytes(), KEY_LABEL).unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
            secure: issuer.starts_with("https://"),
        }
    }

    fn name(&self) -> &'static str {
        if self.secure {
            "__Host-tessera_device"
        } else {
            "tessera_device"
        }
    }

    fn mac(&self, payload: &str) -> Option<String> {
        if self.key.expose_secret().len() != 32 {
            return None;
        }
        let mac = super::browser::hmac(self.key.expose_secret(), payload.as_bytes())?;
        Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac))
    }

    /// The cookie that marks this browser as `user`'s, issued at `now`.
    pub fn cookie_for(
        &self,
        user: &UserId,
        now: UnixTime,
        rng: &dyn RandomSource,
    ) -> Option<Cookie<'static>> {
        let device = tessera_application::ports::random_token(rng, 16);
        let payload = format!("{}.{device}.{}", user.as_str(), now.as_secs());
        let mac = self.mac(&payload)?;
        Some(
            Cookie::build(self.name(), format!("{payload}.{mac}"))
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::seconds(DEVICE_TTL_SECS))
                .finish(),
        )
    }

    /// The browser's verified, unexpired cookie, if it sent one.
    pub fn verify(&self, value: &str, now: UnixTime) -> Option<TrustedDevice> {
        let (payload, mac) = value.rsplit_once('.')?;
        let expected = self.mac(payload)?;
        if expected.len() != mac.len() || !memcmp::eq(expected.as_bytes(), mac.as_bytes()) {
            return None;
        }
        let mut parts = payload.split('.');
        let (user, device, issued) = (parts.next()?, parts.next()?, parts.next()?);
        let issued: i64 = issued.parse().ok()?;
        if parts.next().is_some() || now.as_secs() >= issued.saturating_add(DEVICE_TTL_SECS) {
            return None;
        }
        Some(TrustedDevice {
            user: UserId::parse(user).ok()?,
            device: device.to_owned(),
        })
    }

    /// What the lockout rules may know about this request: the trusted device, unless it has
    /// used up its own failures.
    pub async fn context(
        &self,
        req: &HttpRequest,
        limiter: &RateLimiter,
        now: UnixTime,
    ) -> (SignInContext, Option<TrustedDevice>) {
        let mut device = req
            .cookie(self.name())
            .and_then(|c| self.verify(c.value(), now));
        if let Some(d) = &device {
            if !limiter.device_usable(&d.device).await {
                device = None;
            }
        }
        let context = SignInContext {
            trusted_device_for: device.as_ref().map(|d| d.user.clone()),
        };
        (context, device)
    }
}

#[cfg(test)]
mod tests;
