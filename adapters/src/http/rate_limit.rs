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
//! Where the budgets live is chosen at start-up: in this process (the default), or in Redis
//! (`rate_limit.redis_url`, [`redis_store`]) so that every process spends from the same ones.
//! With Redis, the process still keeps its own budgets beside, and they answer whenever Redis
//! does not in time: a Redis outage makes the limits per process again, never absent, and
//! never fails a request. That is why every check is `async`.
//!
//! Hand-written rather than `governor`: failure budgets need a check that spends nothing, which
//! governor does not offer (its `peek` proposals are still open upstream).

mod buckets;
mod client_address;
mod redis_store;
mod settings;

pub use redis_store::{RedisSettings, RedisUrlError};
pub use settings::{Budget, Purpose, RateLimitSettings};

use actix_web::HttpRequest;
use async_trait::async_trait;
use buckets::{Key, Table};
use client_address::bucket_address;
use redis_store::{Answer, Op, RedisStore};
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
    /// This process's budgets: the only ones without Redis, the fallback with it.
    tables: HashMap<Purpose, Table>,
    /// `Some`: the budgets are shared through Redis.
    shared: Option<RedisStore>,
}

impl RateLimiter {
    /// A limiter with `settings`, its budgets kept in this process.
    pub fn new(settings: RateLimitSettings) -> Self {
        let tables = PURPOSES
            .iter()
            .map(|&p| (p, Table::new(settings.budget(p))))
            .collect();
        Self {
            settings,
            tables,
            shared: None,
        }
    }

    /// A limiter with `settings` whose budgets are shared through the Redis of `redis`.
    /// Connects before returning; an unreachable Redis is logged, not an error (the process
    /// starts with its own budgets and reconnects in the background).
    ///
    /// # Errors
    /// [`RedisUrlError`] when the URL is not one the Redis client accepts.
    pub async fn shared(
        settings: RateLimitSettings,
        redis: &RedisSettings,
    ) -> Result<Self, RedisUrlError> {
        let mut limiter = Self::new(settings);
        if settings.enabled {
            let store = RedisStore::new(redis)?;
            store.connect().await;
            limiter.shared = Some(store);
        }
        Ok(limiter)
    }

    fn table(&self, purpose: Purpose) -> Option<&Table> {
        self.tables.get(&purpose).filter(|_| self.settings.enabled)
    }

    /// What is left of `key`'s budget of `purpose`, spending nothing: from Redis when shared
    /// and it answers in time, else from this process's own.
    async fn look(&self, purpose: Purpose, key: &Key) -> Answer {
        let Some(table) = self.table(purpose) else {
            return Answer {
                verdict: Ok(()),
                spent: false,
            };
        };
        if let Some(shared) = &self.shared {
            let budget = self.settings.budget(purpose);
            if let Some(answer) = shared.call(Op::Peek, purpose, key, budget).await {
                return answer;
            }
        }
        let now = Instant::now();
        Answer {
            verdict: table.peek(key, now),
            spent: table.has_spent(key, now),
        }
    }

    async fn peek_at(&self, purpose: Purpose, key: &Key) -> Result<(), u64> {
        self.look(purpose, key).await.verdict
    }

    /// Spends one from `key`'s budget of `purpose`. This process's own budget is always
    /// spent too, so that it holds this process's history when Redis stops answering.
    async fn take_at(&self, purpose: Purpose, key: Key) -> Result<(), u64> {
        let Some(table) = self.table(purpose) else {
            return Ok(());
        };
        match &self.shared {
            None => table.take(key, Instant::now(), self.settings.max_keys),
            Some(shared) => {
                let local = table.take(key.clone(), Instant::now(), self.settings.max_keys);
                let budget = self.settings.budget(purpose);
                match shared.call(Op::Take, purpose, &key, budget).await {
                    Some(answer) => answer.verdict,
                    None => local,
                }
            }
        }
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
    pub async fn check_client_auth(
        &self,
        req: &HttpRequest,
        client_id: Option<&str>,
    ) -> Result<(), u64> {
        let Some(ip) = self.ip_key(req) else {
            return Ok(());
        };
        let here = self.look(Purpose::ClientAuthFailure, &ip).await;
        here.verdict?;
        match client_id {
            Some(id) if here.spent => {
                self.peek_at(Purpose::ClientIdFailure, &Self::name_key("client", id))
                    .await
            }
            _ => Ok(()),
        }
    }

    /// After a failed client authentication: spends from the address and the client id.
    pub async fn client_auth_failed(&self, req: &HttpRequest, client_id: Option<&str>) {
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::ClientAuthFailure, ip).await;
        }
        if let Some(id) = client_id {
            let _ = self
                .take_at(Purpose::ClientIdFailure, Self::name_key("client", id))
                .await;
        }
    }

    /// Before a sign-in or anything that checks a person's secret: `Err(seconds)` when this
    /// address is out of failures.
    pub async fn check_sign_in(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.peek_at(Purpose::SignInFailure, &ip).await,
            None => Ok(()),
        }
    }

    /// After a failed sign-in (or a wrong emailed-link token): spends from the address.
    pub async fn sign_in_failed(&self, req: &HttpRequest) {
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::SignInFailure, ip).await;
        }
    }

    /// Whether the trusted-device cookie `device` may still pass an account lock.
    pub async fn device_usable(&self, device: &str) -> bool {
        self.peek_at(Purpose::DeviceFailure, &Self::name_key("device", device))
            .await
            .is_ok()
    }

    /// After a failed sign-in through the trusted-device cookie `device`.
    pub async fn device_failed(&self, device: &str) {
        let _ = self
            .take_at(Purpose::DeviceFailure, Self::name_key("device", device))
            .await;
    }

    /// Spends one of `purpose` for the request's address (none known: nothing to count).
    async fn take_for_address(&self, purpose: Purpose, req: &HttpRequest) -> Result<(), u64> {
        match self.ip_key(req) {
            Some(ip) => self.take_at(purpose, ip).await,
            None => Ok(()),
        }
    }

    /// A registration from this address: `Err(seconds)` when its budget is spent.
    pub async fn take_registration(&self, req: &HttpRequest) -> Result<(), u64> {
        self.take_for_address(Purpose::Registration, req).await
    }

    /// A request that sends mail, from this address: `Err(seconds)` when its budget is spent.
    pub async fn take_mail_request(&self, req: &HttpRequest) -> Result<(), u64> {
        self.take_for_address(Purpose::MailRequest, req).await
    }

    /// A passwordless passkey sign-in started from this address (it stores a challenge for
    /// five minutes): `Err(seconds)` when its budget is spent.
    pub async fn take_passkey_ceremony(&self, req: &HttpRequest) -> Result<(), u64> {
        self.take_for_address(Purpose::PasskeyCeremony, req).await
    }

    /// Before a device user code is looked up: `Err(seconds)` when this address, or this
    /// browser (its CSRF binding), has typed too many wrong codes lately (RFC 8628 §5.1).
    pub async fn check_user_code(
        &self,
        req: &HttpRequest,
        browser: Option<&str>,
    ) -> Result<(), u64> {
        if let Some(ip) = self.ip_key(req) {
            self.peek_at(Purpose::DeviceUserCode, &ip).await?;
        }
        match browser {
            Some(b) => {
                self.peek_at(Purpose::DeviceUserCode, &Self::name_key("browser", b))
                    .await
            }
            None => Ok(()),
        }
    }

    /// A dynamic client registration (RFC 7591) from this address: `Err(seconds)` when its
    /// budget is spent.
    pub async fn take_client_registration(&self, req: &HttpRequest) -> Result<(), u64> {
        self.take_for_address(Purpose::ClientRegistration, req)
            .await
    }

    /// After a wrong device user code: spends from the address and the browser.
    pub async fn user_code_failed(&self, req: &HttpRequest, browser: Option<&str>) {
        if let Some(ip) = self.ip_key(req) {
            let _ = self.take_at(Purpose::DeviceUserCode, ip).await;
        }
        if let Some(b) = browser {
            let _ = self
                .take_at(Purpose::DeviceUserCode, Self::name_key("browser", b))
                .await;
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

#[async_trait]
impl FailureBudget for AdminFailures {
    async fn check(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        match ip {
            Some(ip) => {
                self.0
                    .peek_at(Purpose::AdminAuthFailure, &Key::Ip(bucket_address(ip)))
                    .await
            }
            None => Ok(()),
        }
    }

    async fn failed(&self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            let _ = self
                .0
                .take_at(Purpose::AdminAuthFailure, Key::Ip(bucket_address(ip)))
                .await;
        }
    }
}

#[async_trait]
impl MailBudget for RateLimiter {
    async fn try_take(&self, user: &UserId, kind: &str) -> bool {
        self.take_at(Purpose::MailPerAccount, Self::name_key(kind, user.as_str()))
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests;
