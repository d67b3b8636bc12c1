//! The one place raw values become typed ones: every rule of a key lives here, and every
//! error names its key.

use super::raw::RawConfig;
use super::HardeningConfig;
use super::{
    AccountsConfig, AdminConfig, ClientRegistrationConfig, Config, ConfigError, DatabaseConfig,
    Environment, HousekeepingConfig, HttpConfig, Issuer, KeysConfig, OutboundConfig, TokensConfig,
};
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;
use tessera_adapters::crypto::Argon2Settings;
use tessera_domain::{LockoutPolicy, PasswordPolicy, SigningAlgorithm};

type Parsed<T> = Result<T, ConfigError>;

/// `value` when `range` holds it, else an error naming `key` with `message`.
pub(super) fn within<T: PartialOrd>(
    key: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
    message: &str,
) -> Parsed<T> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::invalid(key, message))
    }
}

/// Seconds already checked to be non-negative.
fn secs(value: i64) -> Duration {
    Duration::from_secs(value.unsigned_abs())
}

impl RawConfig {
    /// Checks every value and builds the typed configuration; production's refusals are
    /// collected last, all at once.
    pub(super) fn parse(&self) -> Parsed<Config> {
        let http = self.http()?;
        let keys = self.keys()?;
        let tokens = self.tokens()?;
        let database = self.database()?;
        let rate_limit = self.rate_limit.parse()?;
        let housekeeping = self.housekeeping()?;
        let accounts = self.accounts()?;
        let mail = self.mail.parse()?;
        let config = Config {
            environment: self.environment,
            log_format: self.log_format,
            http,
            database,
            housekeeping,
            keys,
            tokens,
            accounts,
            mail,
            rate_limit,
            admin: AdminConfig {
                token: self.admin_token.clone(),
            },
            outbound: OutboundConfig {
                allow_private_addresses: self.outbound.allow_private_addresses,
            },
            client_registration: self.client_registration()?,
            hardening: self.hardening()?,
            otel: self.otel.parse()?,
        };
        if self.environment == Environment::Production {
            let problems = self.production_problems(&config);
            if !problems.is_empty() {
                return Err(ConfigError::Production(problems));
            }
        }
        Ok(config)
    }

    fn http(&self) -> Parsed<HttpConfig> {
        let issuer = Issuer::parse(&self.issuer).map_err(|m| ConfigError::invalid("issuer", m))?;
        let bind = self
            .bind
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::invalid("bind", "must be an address like 127.0.0.1:8080"))?;
        let workers = match self.workers {
            None => None,
            Some(n) => Some(
                NonZeroUsize::new(n)
                    .ok_or_else(|| ConfigError::invalid("workers", "must be at least 1"))?,
            ),
        };
        Ok(HttpConfig {
            issuer,
            bind,
            workers,
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
            docs: self
                .docs
                .unwrap_or(self.environment != Environment::Production),
        })
    }

    fn keys(&self) -> Parsed<KeysConfig> {
        let fapi2 = self.fapi2();
        let signing_alg = match &self.signing_alg {
            Some(alg) => SigningAlgorithm::parse(alg)
                .map_err(|e| ConfigError::invalid("signing_alg", e.to_string()))?,
            None if fapi2 => SigningAlgorithm::Es256,
            None => SigningAlgorithm::Rs256,
        };
        if fapi2 && signing_alg == SigningAlgorithm::Rs256 {
            return Err(ConfigError::invalid(
                "signing_alg",
                "profile fapi2 signs with ES256 or EdDSA only (FAPI 2.0 Security Profile §5.4)",
            ));
        }
        if self.key_refresh_secs == 0 {
            return Err(ConfigError::invalid(
                "key_refresh_secs",
                "must be at least 1",
            ));
        }
        Ok(KeysConfig {
            signing_alg,
            refresh_every: Duration::from_secs(self.key_refresh_secs),
            secret_key: self.secret_key.clone(),
        })
    }

    fn tokens(&self) -> Parsed<TokensConfig> {
        let access_token = within(
            "access_token_ttl_secs",
            self.access_token_ttl_secs,
            60..=86_400,
            "must be between 60 and 86400",
        )?;
        let authorization_code = within(
            "authorization_code_ttl_secs",
            self.authorization_code_ttl_secs,
            1..=600,
            "must be between 1 and 600 (AS-17)",
        )?;
        if self.refresh_token_idle_secs < 60
            || self.refresh_token_absolute_secs < self.refresh_token_idle_secs
        {
            return Err(ConfigError::invalid(
                "refresh_token_absolute_secs",
                "must be at least refresh_token_idle_secs, which must be at least 60",
            ));
        }
        let grace = within(
            "refresh_token_grace_secs",
            self.refresh_token_grace_secs,
            0..=60,
            "must be between 0 (off) and 60 (R-10)",
        )?;
        if self.fapi2() && grace > 0 {
            return Err(ConfigError::invalid(
                "refresh_token_grace_secs",
                "must be 0 under profile fapi2: a replayed refresh token is never answered",
            ));
        }
        if self.fapi2() && authorization_code > 60 {
            return Err(ConfigError::invalid(
                "authorization_code_ttl_secs",
                "must be at most 60 under profile fapi2 (FAPI 2.0 Security Profile §5.3.2.2)",
            ));
        }
        Ok(TokensConfig {
            access_token: secs(access_token),
            authorization_code: secs(authorization_code),
            refresh_idle: secs(self.refresh_token_idle_secs),
            refresh_absolute: secs(self.refresh_token_absolute_secs),
            refresh_grace: (grace > 0).then(|| secs(grace)),
        })
    }

    fn database(&self) -> Parsed<DatabaseConfig> {
        let pool_size = within(
            "database_pool_size",
            self.database_pool_size,
            1..=1000,
            "must be between 1 and 1000",
        )?;
        let timeout_ms = within(
            "database_timeout_ms",
            self.database_timeout_ms,
            100..=60_000,
            "must be between 100 and 60000",
        )?;
        let cache_ms = within(
            "client_cache_ttl_ms",
            self.client_cache_ttl_ms,
            0..=60_000,
            "must be between 0 and 60000",
        )?;
        Ok(DatabaseConfig {
            url: self.database_url.clone(),
            pool_size,
            timeout: Duration::from_millis(timeout_ms),
            client_cache_ttl: Duration::from_millis(cache_ms),
        })
    }

    /// `profile = "fapi2"`, however spelt wrongly otherwise (that error is reported by
    /// [`Self::hardening`]).
    fn fapi2(&self) -> bool {
        tessera_domain::SecurityProfile::parse(&self.profile)
            == Some(tessera_domain::SecurityProfile::Fapi2)
    }

    fn hardening(&self) -> Parsed<HardeningConfig> {
        let profile = tessera_domain::SecurityProfile::parse(&self.profile)
            .ok_or_else(|| ConfigError::invalid("profile", "must be standard or fapi2"))?;
        let ttl = within(
            "par.request_uri_ttl_secs",
            self.par.request_uri_ttl_secs,
            5..=600,
            "must be between 5 and 600 (RFC 9126 suggests under a minute)",
        )?;
        let window = within(
            "dpop.iat_window_secs",
            self.dpop.iat_window_secs,
            5..=300,
            "must be between 5 and 300",
        )?;
        let timeout = within(
            "backchannel_logout.timeout_secs",
            self.backchannel_logout.timeout_secs,
            1..=60,
            "must be between 1 and 60",
        )?;
        let attempts = within(
            "backchannel_logout.max_attempts",
            u64::from(self.backchannel_logout.max_attempts),
            1..=20,
            "must be between 1 and 20",
        )?;
        Ok(HardeningConfig {
            profile,
            par_required: self.par.required || profile == tessera_domain::SecurityProfile::Fapi2,
            request_uri_ttl_secs: i64::try_from(ttl).unwrap_or(60),
            dpop_nonce: self.dpop.nonce,
            dpop_iat_window_secs: i64::try_from(window).unwrap_or(60),
            backchannel_timeout_secs: timeout,
            backchannel_max_attempts: u32::try_from(attempts).unwrap_or(8),
            backchannel_retry_base_secs: super::areas::DEFAULT_BACKCHANNEL_RETRY_BASE_SECS,
        })
    }

    fn client_registration(&self) -> Parsed<ClientRegistrationConfig> {
        let r = &self.registration;
        let ttl = within(
            "registration.unused_client_ttl_secs",
            r.unused_client_ttl_secs,
            3_600..=31_536_000,
            "must be between 3600 (an hour) and 31536000 (a year)",
        )?;
        if r.initial_access_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().len() < 16)
        {
            return Err(ConfigError::invalid(
                "registration.initial_access_token",
                "must be at least 16 characters",
            ));
        }
        Ok(ClientRegistrationConfig {
            enabled: r.enabled,
            initial_access_token: r.initial_access_token.clone(),
            unused_client_ttl: i64::try_from(ttl).unwrap_or(i64::MAX),
        })
    }

    fn housekeeping(&self) -> Parsed<Option<HousekeepingConfig>> {
        let interval = within(
            "housekeeping_interval_secs",
            self.housekeeping_interval_secs,
            0..=86_400,
            "must be between 0 (off) and 86400",
        )?;
        let batch = within(
            "housekeeping_batch",
            self.housekeeping_batch,
            100..=100_000,
            "must be between 100 and 100000",
        )?;
        Ok((interval > 0).then(|| HousekeepingConfig {
            every: Duration::from_secs(interval),
            batch,
        }))
    }

    fn accounts(&self) -> Parsed<AccountsConfig> {
        if self.session_ttl_secs < 60 {
            return Err(ConfigError::invalid(
                "session_ttl_secs",
                "must be at least 60",
            ));
        }
        let min_chars = within(
            "password_min_length",
            self.password_min_length,
            8..=256,
            "must be between 8 and 256",
        )?;
        if self.argon2_memory_kib < 8 * self.argon2_parallelism.max(1)
            || self.argon2_iterations == 0
            || self.argon2_parallelism == 0
        {
            return Err(ConfigError::invalid(
                "argon2_memory_kib",
                "argon2 parameters are out of range",
            ));
        }
        Ok(AccountsConfig {
            session: secs(self.session_ttl_secs),
            password: PasswordPolicy {
                min_chars,
                ..PasswordPolicy::default()
            },
            password_hashing: Argon2Settings {
                memory_kib: self.argon2_memory_kib,
                iterations: self.argon2_iterations,
                parallelism: self.argon2_parallelism,
                ..Argon2Settings::default()
            },
            lockout: self.lockout()?,
            mfa: tessera_application::services::MfaPolicy::parse(&self.mfa.required).ok_or_else(
                || ConfigError::invalid("mfa.required", "must be off, optional or required"),
            )?,
            self_service: self
                .registration
                .self_service
                .unwrap_or(self.environment != Environment::Production),
            require_verified_email: self.accounts.require_verified_email,
        })
    }

    fn lockout(&self) -> Parsed<LockoutPolicy> {
        let threshold = within(
            "lockout_threshold",
            self.lockout_threshold,
            1..=100,
            "must be between 1 and 100",
        )?;
        let base_secs = within(
            "lockout_base_secs",
            self.lockout_base_secs,
            1..=86_400,
            "must be between 1 and 86400",
        )?;
        let max_secs = within(
            "lockout_max_secs",
            self.lockout_max_secs,
            base_secs..=86_400,
            "must be between lockout_base_secs and 86400",
        )?;
        Ok(LockoutPolicy {
            threshold,
            base_secs,
            max_secs,
        })
    }

    /// Everything `environment = "production"` refuses, one entry per problem, so an operator
    /// fixes them all in one go.
    fn production_problems(&self, config: &Config) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let issuer = &config.http.issuer;
        if !issuer.is_https() && !issuer.is_loopback_http() {
            problems.push((
                "issuer",
                "must be https in production (http only on a loopback address)".to_owned(),
            ));
        }
        match &self.secret_key {
            None => problems.push(("secret_key", "is required in production".to_owned())),
            Some(k) if k.expose_secret().len() < 32 => {
                problems.push(("secret_key", "must be at least 32 characters".to_owned()))
            }
            Some(_) => {}
        }
        // The admin token opens the whole admin API: as strong as the secret key.
        if let Some(t) = &self.admin_token {
            if t.expose_secret().chars().count() < 32 {
                problems.push(("admin_token", "must be at least 32 characters".to_owned()));
            }
        }
        if self.docs == Some(true) {
            problems.push((
                "docs",
                "must be off in production (the API description page is for development)"
                    .to_owned(),
            ));
        }
        // AS-41: outbound fetches never reach loopback or private addresses in production.
        if self.outbound.allow_private_addresses {
            problems.push((
                "outbound.allow_private_addresses",
                "must be off in production (outbound fetches to loopback and private addresses \
                 are for development and tests)"
                    .to_owned(),
            ));
        }
        // ASVS 4.0.3 2.2.1 / NIST 800-63B: at most 100 failed attempts per hour per account.
        // Development may use short delays (tests do).
        let allowed = config.accounts.lockout.max_failures_per_hour();
        if allowed > 100 {
            problems.push((
                "lockout_threshold",
                format!(
                    "with lockout_base_secs and lockout_max_secs, allows {allowed} failed \
                     sign-ins per account per hour; production allows at most 100"
                ),
            ));
        }
        problems
    }
}
