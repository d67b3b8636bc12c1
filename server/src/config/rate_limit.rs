//! Rate limiting (`rate_limit.*`).

use super::raw::{BudgetOverride, RawRateLimit};
use super::ConfigError;
use secrecy::ExposeSecret;
use tessera_adapters::http::{Budget, RateLimitSettings, RedisSettings};
use tessera_domain::LockoutPolicy;

/// A budget per purpose, each `rate_limit.<purpose>` over its built-in default (see the
/// README).
#[derive(Debug, Clone)]
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
    /// `rate_limit.redis_url`: `None` keeps every budget in its process; `Some` shares them
    /// between every process through this Redis.
    pub redis: Option<RedisSettings>,
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
            redis: self.redis()?,
        })
    }

    /// `rate_limit.redis_url`, checked without connecting; empty is unset. The error names
    /// the key and what is wrong, never the URL (it may hold a password).
    fn redis(&self) -> Result<Option<RedisSettings>, ConfigError> {
        match &self.redis_url {
            Some(url) if !url.expose_secret().trim().is_empty() => {
                RedisSettings::parse(url.clone())
                    .map(Some)
                    .map_err(|e| ConfigError::invalid("rate_limit.redis_url", e.to_string()))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::raw::{RawConfig, RawRateLimit};
    use super::super::Config;
    use secrecy::SecretString;

    fn with_url(url: &str) -> RawConfig {
        RawConfig {
            rate_limit: RawRateLimit {
                redis_url: Some(SecretString::from(url.to_owned())),
                ..RawRateLimit::default()
            },
            ..RawConfig::default()
        }
    }

    #[test]
    fn unset_or_empty_keeps_budgets_per_process() {
        assert!(Config::defaults().unwrap().rate_limit.redis.is_none());
        assert!(with_url("  ").parse().unwrap().rate_limit.redis.is_none());
    }

    #[test]
    fn a_redis_url_shares_budgets_and_is_never_shown() {
        let c = with_url("redis://:s3cret-pw@127.0.0.1:6379/2")
            .parse()
            .unwrap();
        let redis = c.rate_limit.redis.as_ref().unwrap();
        assert_eq!(redis.namespace, "tessera:rl");
        assert_eq!(redis.timeout, std::time::Duration::from_millis(100));
        assert!(!format!("{c:?}").contains("s3cret-pw"));
        assert!(with_url("unix:///run/redis.sock").parse().is_ok());
    }

    #[test]
    fn a_malformed_redis_url_stops_start_up_naming_the_key_not_the_password() {
        for url in [
            "http://:s3cret-pw@127.0.0.1:6379",
            "redis://:s3cret-pw@127.0.0.1:6379/not-a-db",
            "rediss://:s3cret-pw@127.0.0.1:6379",
            "redis://:s3cret-pw@0.0.0.0:6379",
            "s3cret-pw",
        ] {
            let msg = with_url(url).parse().unwrap_err().to_string();
            assert!(
                msg.starts_with("invalid configuration: rate_limit.redis_url: not a Redis URL"),
                "{url}: {msg}"
            );
            assert!(!msg.contains("s3cret-pw"), "{msg}");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's own signature
    fn the_environment_sets_it() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TESSERA_RATE_LIMIT__REDIS_URL", "redis://127.0.0.1:6380");
            jail.set_env("TESSERA_TEST_REDIS_URL", "redis://elsewhere");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert!(c.rate_limit.redis.is_some());
            Ok(())
        });
    }
}
