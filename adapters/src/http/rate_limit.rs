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

use actix_web::HttpRequest;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tessera_application::ports::{FailureBudget, MailBudget};
use tessera_domain::UserId;

/// One budget: `burst` at once, `per_hour` earned back each hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// How many may be spent at once.
    pub burst: u32,
    /// How many are earned back per hour, spread evenly.
    pub per_hour: u32,
}

impl Budget {
    /// A budget of `burst` at once and `per_hour` back each hour.
    pub const fn new(burst: u32, per_hour: u32) -> Self {
        Self { burst, per_hour }
    }
}

/// What a budget limits, and by which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Failed client authentications per address.
    ClientAuthFailure,
    /// Failed client authentications per client id.
    ClientIdFailure,
    /// Failed sign-ins (passwords, emailed-link tokens, later second factors) per address.
    SignInFailure,
    /// Failed sign-ins through one trusted-device cookie (so a stolen one is no master key).
    DeviceFailure,
    /// Registrations per address.
    Registration,
    /// Requests that send mail (reset, resend) per address.
    MailRequest,
    /// Mails per account and kind (reset, verification).
    MailPerAccount,
    /// Failed admin API authentications per address.
    AdminAuthFailure,
}

const PURPOSES: [Purpose; 8] = [
    Purpose::ClientAuthFailure,
    Purpose::ClientIdFailure,
    Purpose::SignInFailure,
    Purpose::DeviceFailure,
    Purpose::Registration,
    Purpose::MailRequest,
    Purpose::MailPerAccount,
    Purpose::AdminAuthFailure,
];

/// Limits, from configuration. The defaults are far above what one honest user or service
/// reaches and far below what guessing needs.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// Off: every request passes (benchmarks).
    pub enabled: bool,
    /// Take the client address from the rightmost `X-Forwarded-For` entry (only behind a
    /// trusted proxy).
    pub trust_forwarded_for: bool,
    /// Most keys tracked at once, per purpose.
    pub max_keys: usize,
    /// Failed client authentications per address.
    pub client_auth_failures: Budget,
    /// Failed client authentications per client id (from addresses that failed before).
    pub client_id_failures: Budget,
    /// Failed sign-ins per address.
    pub sign_in_failures: Budget,
    /// Failed sign-ins per trusted-device cookie.
    pub device_failures: Budget,
    /// Registrations per address.
    pub registrations: Budget,
    /// Mail-sending requests per address.
    pub mail_requests: Budget,
    /// Mails per account and kind.
    pub mail_per_account: Budget,
    /// Failed admin authentications per address.
    pub admin_auth_failures: Budget,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            trust_forwarded_for: false,
            max_keys: 100_000,
            client_auth_failures: Budget::new(20, 600),
            client_id_failures: Budget::new(100, 3600),
            sign_in_failures: Budget::new(20, 600),
            device_failures: Budget::new(5, 5),
            registrations: Budget::new(20, 60),
            mail_requests: Budget::new(10, 60),
            mail_per_account: Budget::new(3, 3),
            admin_auth_failures: Budget::new(10, 60),
        }
    }
}

impl RateLimitSettings {
    fn budget(&self, purpose: Purpose) -> Budget {
        match purpose {
            Purpose::ClientAuthFailure => self.client_auth_failures,
            Purpose::ClientIdFailure => self.client_id_failures,
            Purpose::SignInFailure => self.sign_in_failures,
            Purpose::DeviceFailure => self.device_failures,
            Purpose::Registration => self.registrations,
            Purpose::MailRequest => self.mail_requests,
            Purpose::MailPerAccount => self.mail_per_account,
            Purpose::AdminAuthFailure => self.admin_auth_failures,
        }
    }
}

/// A bucket key: an address (IPv6 cut to its /64) or a name (client id, account, cookie).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Ip(IpAddr),
    Name(Box<str>),
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of one purpose.
struct Table {
    budget: Budget,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl Table {
    fn burst(&self) -> f64 {
        f64::from(self.budget.burst.max(1))
    }

    fn rate(&self) -> f64 {
        f64::from(self.budget.per_hour.max(1)) / 3600.0
    }

    fn refilled(&self, b: &Bucket, now: Instant) -> f64 {
        (b.tokens + now.duration_since(b.updated).as_secs_f64() * self.rate()).min(self.burst())
    }

    fn wait_secs(&self, tokens: f64) -> u64 {
        ((1.0 - tokens) / self.rate()).ceil().max(1.0) as u64
    }

    /// `Err(seconds)` when nothing is left; spends nothing.
    fn peek(&self, key: &Key, now: Instant) -> Result<(), u64> {
        let buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match buckets.get(key) {
            Some(b) => {
                let tokens = self.refilled(b, now);
                if tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(self.wait_secs(tokens))
                }
            }
            None => Ok(()),
        }
    }

    /// True when `key` has spent anything that has not come back yet.
    fn has_spent(&self, key: &Key, now: Instant) -> bool {
        let buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buckets
            .get(key)
            .is_some_and(|b| self.refilled(b, now) < self.burst())
    }

    /// Spends one; `Err(seconds)` when nothing was left (then nothing is spent).
    fn take(&self, key: Key, now: Instant, max_keys: usize) -> Result<(), u64> {
        let burst = self.burst();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= max_keys && !buckets.contains_key(&key) {
            // Forget every key whose bucket has refilled: it would start full anyway.
            buckets.retain(|_, b| self.refilled(b, now) < burst);
            if buckets.len() >= max_keys {
                return Err(1);
            }
        }
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        b.tokens = self.refilled(b, now);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait_secs(b.tokens))
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

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
            .map(|&p| {
                (
                    p,
                    Table {
                        budget: settings.budget(p),
                        buckets: Mutex::new(HashMap::new()),
                    },
                )
            })
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

    /// The client's address as the limits and the audit log see it: with
    /// `trust_forwarded_for`, the rightmost entry of all `X-Forwarded-For` lines together (the
    /// one the trusted proxy added; anything to its left came from the client and may be
    /// forged), else the peer.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.settings.trust_forwarded_for {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .last()
                .and_then(|v| v.parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|a| a.ip())
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

/// The address a bucket is kept for: IPv4 as is, IPv6 cut to its /64 (one subscriber's
/// network: a single host can use every address in it).
fn bucket_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests;
