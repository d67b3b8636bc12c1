//! Budgets for what attackers need and honest callers don't (AS-27, ASVS 6.1.1): failed client
//! authentications, failed sign-ins, admin credential failures, registrations and requests that
//! send mail. Successful authenticated calls spend nothing, so a resource server introspecting
//! every request, or a backend fetching tokens, is never throttled for its volume.
//!
//! Each purpose has its own token buckets (`burst` at once, `per_hour` earned back), keyed by
//! client address (IPv6 by /64), client id or account. Failure budgets are *checked* before the
//! credential is (without spending) and *spent* only when it fails. Memory is bounded: at most
//! `max_keys` keys per purpose, and full buckets are the first to go.
//!
//! Hand-written rather than `governor`: failure budgets need a check that spends nothing, which
//! governor does not offer (its `peek` proposals are still open upstream).

mod buckets;
mod client_address;
mod settings;

pub use settings::{Budget, Purpose, RateLimitSettings};

use actix_web::HttpRequest;
use buckets::{Key, Table};
use client_address::bucket_address;
use settings::PURPOSES;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use tessera_application::ports::{FailureBudget, MailBudget};
use tessera_domain::UserId;

/// The limiter shared by every worker.
pub struct RateLimiter {
    settings: RateLimitSettings,
    tables: HashMap<Purpose, Table>,
}

impl RateLimiter {
    /// A limiter with `settings`.
    pub fn new(settings: RateLimitSettings) -> Self {
        let tables = PURPOSES
            .iter()
            .map(|&p| (p, Table::new(settings.budget(p))))
            .collect();
        Self { settings, tables }
    }

    fn table(&self, purpose: Purpose) -> Option<&Table> {
        self.tables.get(&purpose).filter(|_| self.settings.enabled)
    }

    fn peek_at(&self, purpose: Purpose, key: &Key, now: Instant) -> Result<(), u64> {
        self.table(purpose).map_or(Ok(()), |t| t.peek(key, now))
    }

    fn take_at(&self, purpose: Purpose, key: Key, now: Instant) -> Result<(), u64> {
        self.table(purpose)
            .map_or(Ok(()), |t| t.take(key, now, self.settings.max_keys))
    }

    fn ip_key(&self, req: &HttpRequest) -> Option<Key> {
        self.client_ip(req).map(|ip| Key::Ip(bucket_address(ip)))
    }

    fn name_key(purpose_scope: &str, name: &str) -> Key {
        Key::Name(format!("{purpose_scope}:{name}").into_boxed_str())
    }

    /// Before a client authentication: `Err(seconds)` when this address is out of failures,
    /// or when `client_id` is and this address has failed recently too. An address that has
    /// not failed is never held back by failures elsewhere, so attackers elsewhere cannot
    /// lock an honest client out by its id.
    pub fn check_client_auth(&self, req: &HttpRequest, client_id: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let Some(ip) = self.ip_key(req) else {
            return Ok(());
        };
        self.peek_at(Purpose::ClientAuthFailure, &ip, now)?;
        let failed_here = self
            .table(Purpose::ClientAuthFailure)
            .is_some_and(|t| t.has_spent(&ip, now));
        match client_id {
            Some(id) if failed_here => {
                self.peek_at(Purpose::ClientIdFailure, &Self::name_key("client", id), now)
            }
            _ => Ok(()),
        }
    }

    /// After a failed client authentication: spends from the address and the client id.
    pub fn client_auth_failed(&self, req: &HttpRequest, client_id: Option<&str>) {
        let now = Instant::now();
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::ClientAuthFailure, ip, now);
        }
        if let Some(id) = client_id {
            let _ = self.take_at(Purpose::ClientIdFailure, Self::name_key("client", id), now);
        }
    }

    /// Before a sign-in or anything that checks a person's secret: `Err(seconds)` when this
    /// address is out of failures.
    pub fn check_sign_in(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.peek_at(Purpose::SignInFailure, &ip, Instant::now()),
            None => Ok(()),
        }
    }

    /// After a failed sign-in (or a wrong emailed-link token): spends from the address.
    pub fn sign_in_failed(&self, req: &HttpRequest) {
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::SignInFailure, ip, Instant::now());
        }
    }

    /// Whether the trusted-device cookie `device` may still pass an account lock.
    pub fn device_usable(&self, device: &str) -> bool {
        self.peek_at(
            Purpose::DeviceFailure,
            &Self::name_key("device", device),
            Instant::now(),
        )
        .is_ok()
    }

    /// After a failed sign-in through the trusted-device cookie `device`.
    pub fn device_failed(&self, device: &str) {
        let _ = self.take_at(
            Purpose::DeviceFailure,
            Self::name_key("device", device),
            Instant::now(),
        );
    }

    /// A registration from this address: `Err(seconds)` when its budget is spent.
    pub fn take_registration(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.take_at(Purpose::Registration, ip, Instant::now()),
            None => Ok(()),
        }
    }

    /// A request that sends mail, from this address: `Err(seconds)` when its budget is spent.
    pub fn take_mail_request(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.take_at(Purpose::MailRequest, ip, Instant::now()),
            None => Ok(()),
        }
    }

    /// A passwordless passkey sign-in started from this address (it stores a challenge for
    /// five minutes): `Err(seconds)` when its budget is spent.
    pub fn take_passkey_ceremony(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.take_at(Purpose::PasskeyCeremony, ip, Instant::now()),
            None => Ok(()),
        }
    }

    /// Before a device user code is looked up: `Err(seconds)` when this address, or this
    /// browser (its CSRF binding), has typed too many wrong codes lately (RFC 8628 §5.1).
    pub fn check_user_code(&self, req: &HttpRequest, browser: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        if let Some(ip) = self.ip_key(req) {
            self.peek_at(Purpose::DeviceUserCode, &ip, now)?;
        }
        match browser {
            Some(b) => self.peek_at(Purpose::DeviceUserCode, &Self::name_key("browser", b), now),
            None => Ok(()),
        }
    }

    /// A dynamic client registration (RFC 7591) from this address: `Err(seconds)` when its
    /// budget is spent.
    pub fn take_client_registration(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.take_at(Purpose::ClientRegistration, ip, Instant::now()),
            None => Ok(()),
        }
    }

    /// After a wrong device user code: spends from the address and the browser.
    pub fn user_code_failed(&self, req: &HttpRequest, browser: Option<&str>) {
        let now = Instant::now();
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::DeviceUserCode, ip, now);
        }
        if let Some(b) = browser {
            let _ = self.take_at(Purpose::DeviceUserCode, Self::name_key("browser", b), now);
        }
    }

    /// The client's address as the limits and the audit log see it: see
    /// [`client_address::client_ip`].
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        client_address::client_ip(req, self.settings.trust_forwarded_for)
    }

    #[cfg(test)]
    fn tracked(&self, purpose: Purpose) -> usize {
        self.tables.get(&purpose).map_or(0, Table::len)
    }
}

/// The admin API's failure budget: failed admin authentications per address (the
/// [`FailureBudget`] the admin authenticator spends from).
pub struct AdminFailures(pub Arc<RateLimiter>);

impl FailureBudget for AdminFailures {
    fn check(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        match ip {
            Some(ip) => self.0.peek_at(
                Purpose::AdminAuthFailure,
                &Key::Ip(bucket_address(ip)),
                Instant::now(),
            ),
            None => Ok(()),
        }
    }

    fn failed(&self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            let _ = self.0.take_at(
                Purpose::AdminAuthFailure,
                Key::Ip(bucket_address(ip)),
                Instant::now(),
            );
        }
    }
}

impl MailBudget for RateLimiter {
    fn try_take(&self, user: &UserId, kind: &str) -> bool {
        self.take_at(
            Purpose::MailPerAccount,
            Self::name_key(kind, user.as_str()),
            Instant::now(),
        )
        .is_ok()
    }
}

#[cfg(test)]
mod tests;
