//! Rate limiting (`rate_limit.*`).

use super::raw::{BudgetOverride, RawRateLimit};
use super::ConfigError;
use tessera_adapters::http::{Budget, RateLimitSettings};
use tessera_domain::LockoutPolicy;

/// A budget per purpose, each `rate_limit.<purpose>` over its built-in default (see the
/// README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `false` turns every rate limit off (benchmarks).
    pub enabled: bool,
    /// Take the address from `X-Forwarded-For` (only behind a proxy you trust).
    pub trust_forwarded_for: bool,
    /// Failed client authentications per address.
    pub client_auth_failures: Budget,
    /// Failed client authentications per client id.
    pub client_id_failures: Budget,
    /// Failed sign-ins (and wrong emailed-link tokens) per address.
    pub sign_in_failures: Budget,
    /// Registrations per address.
    pub registrations: Budget,
    /// Requests that send mail, per address.
    pub mail_requests: Budget,
    /// Reset or verification mails per account.
    pub mail_per_account: Budget,
    /// Failed admin API authentications per address.
    pub admin_auth_failures: Budget,
    /// Passwordless passkey sign-ins started per address.
    pub passkey_ceremonies: Budget,
    /// Wrong device user codes per address and per browser.
    pub device_user_codes: Budget,
    /// Dynamic client registrations per address.
    pub client_registrations: Budget,
}

impl RateLimits {
    /// The limiter settings. A trusted-device cookie loses its exemption after as many
    /// failures an hour as lock an account.
    pub fn settings(&self, lockout: &LockoutPolicy) -> RateLimitSettings {
        RateLimitSettings {
            enabled: self.enabled,
            trust_forwarded_for: self.trust_forwarded_for,
            client_auth_failures: self.client_auth_failures,
            client_id_failures: self.client_id_failures,
            sign_in_failures: self.sign_in_failures,
            device_failures: Budget::new(lockout.threshold, lockout.threshold),
            registrations: self.registrations,
            mail_requests: self.mail_requests,
            mail_per_account: self.mail_per_account,
            admin_auth_failures: self.admin_auth_failures,
            passkey_ceremonies: self.passkey_ceremonies,
            device_user_codes: self.device_user_codes,
            client_registrations: self.client_registrations,
            ..RateLimitSettings::default()
        }
    }
}

impl BudgetOverride {
    /// This override over `default`; a zero half is refused, naming `key`.
    fn over(self, key: &'static str, default: Budget) -> Result<Budget, ConfigError> {
        if self.burst == Some(0) || self.per_hour == Some(0) {
            return Err(ConfigError::invalid(
                key,
                "burst and per_hour must be at least 1 (use rate_limit.enabled = false to turn limits off)",
            ));
        }
        Ok(Budget::new(
            self.burst.unwrap_or(default.burst),
            self.per_hour.unwrap_or(default.per_hour),
        ))
    }
}

impl RawRateLimit {
    pub(super) fn parse(&self) -> Result<RateLimits, ConfigError> {
        let d = RateLimitSettings::default();
        Ok(RateLimits {
            enabled: self.enabled,
            trust_forwarded_for: self.trust_forwarded_for,
            client_auth_failures: self
                .client_auth_failures
                .over("rate_limit.client_auth_failures", d.client_auth_failures)?,
            client_id_failures: self
                .client_id_failures
                .over("rate_limit.client_id_failures", d.client_id_failures)?,
            sign_in_failures: self
                .sign_in_failures
                .over("rate_limit.sign_in_failures", d.sign_in_failures)?,
            registrations: self
                .registrations
                .over("rate_limit.registrations", d.registrations)?,
            mail_requests: self
                .mail_requests
                .over("rate_limit.mail_requests", d.mail_requests)?,
            mail_per_account: self
                .mail_per_account
                .over("rate_limit.mail_per_account", d.mail_per_account)?,
            admin_auth_failures: self
                .admin_auth_failures
                .over("rate_limit.admin_auth_failures", d.admin_auth_failures)?,
            passkey_ceremonies: self
                .passkey_ceremonies
                .over("rate_limit.passkey_ceremonies", d.passkey_ceremonies)?,
            device_user_codes: self
                .device_user_codes
                .over("rate_limit.device_user_codes", d.device_user_codes)?,
            client_registrations: self
                .client_registrations
                .over("rate_limit.client_registrations", d.client_registrations)?,
        })
    }
}
