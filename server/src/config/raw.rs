//! The configuration as figment deserialises it: the contract's keys and defaults, nothing
//! checked yet. Only [`super::parse`] reads it; the rest of the program sees [`super::Config`].

use super::{Environment, LogFormat};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

/// One budget (`rate_limit.<purpose>.burst`, `.per_hour`); an unset half keeps its default.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(super) struct BudgetOverride {
    pub(super) burst: Option<u32>,
    pub(super) per_hour: Option<u32>,
}

/// `rate_limit.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct RawRateLimit {
    pub(super) enabled: bool,
    pub(super) trust_forwarded_for: bool,
    pub(super) client_auth_failures: BudgetOverride,
    pub(super) client_id_failures: BudgetOverride,
    pub(super) sign_in_failures: BudgetOverride,
    pub(super) registrations: BudgetOverride,
    pub(super) mail_requests: BudgetOverride,
    pub(super) mail_per_account: BudgetOverride,
    pub(super) admin_auth_failures: BudgetOverride,
    pub(super) passkey_ceremonies: BudgetOverride,
    pub(super) device_user_codes: BudgetOverride,
    pub(super) client_registrations: BudgetOverride,
    /// Unset (or empty): budgets per process; set: shared by every process through Redis.
    pub(super) redis_url: Option<SecretString>,
}

impl Default for RawRateLimit {
    fn default() -> Self {
        Self {
            enabled: true,
            trust_forwarded_for: false,
            client_auth_failures: BudgetOverride::default(),
            client_id_failures: BudgetOverride::default(),
            sign_in_failures: BudgetOverride::default(),
            registrations: BudgetOverride::default(),
            mail_requests: BudgetOverride::default(),
            mail_per_account: BudgetOverride::default(),
            admin_auth_failures: BudgetOverride::default(),
            passkey_ceremonies: BudgetOverride::default(),
            device_user_codes: BudgetOverride::default(),
            client_registrations: BudgetOverride::default(),
            redis_url: None,
        }
    }
}

/// `mail.transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawMailTransport {
    File,
    Smtp,
}

/// `mail.smtp_tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawSmtpTls {
    None,
    Starttls,
    Tls,
}

/// `mail.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct RawMail {
    pub(super) transport: RawMailTransport,
    pub(super) from: String,
    pub(super) outbox_dir: PathBuf,
    pub(super) smtp_host: Option<String>,
    pub(super) smtp_port: u16,
    pub(super) smtp_tls: RawSmtpTls,
    pub(super) smtp_username: Option<String>,
    pub(super) smtp_password: Option<SecretString>,
    pub(super) smtp_timeout_secs: u64,
    pub(super) queue_capacity: usize,
    pub(super) max_attempts: u32,
    pub(super) retry_base_ms: u64,
}

impl Default for RawMail {
    fn default() -> Self {
        Self {
            transport: RawMailTransport::File,
            from: "Tessera <no-reply@localhost>".into(),
            outbox_dir: PathBuf::from("mail-outbox"),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: RawSmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_secs: 10,
            queue_capacity: 1_000,
            max_attempts: 5,
            retry_base_ms: 1_000,
        }
    }
}

/// Every key of the contract and the README, flat as operators write them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct RawConfig {
    pub(super) issuer: String,
    pub(super) bind: String,
    pub(super) database_url: SecretString,
    pub(super) environment: Environment,
    pub(super) admin_token: Option<SecretString>,
    pub(super) secret_key: Option<SecretString>,
    pub(super) rate_limit: RawRateLimit,
    pub(super) log_format: LogFormat,
    /// Unset: RS256, or ES256 under `profile = "fapi2"`.
    pub(super) signing_alg: Option<String>,
    pub(super) access_token_ttl_secs: i64,
    pub(super) key_refresh_secs: u64,
    pub(super) housekeeping_interval_secs: u64,
    pub(super) housekeeping_batch: u32,
    pub(super) database_pool_size: usize,
    pub(super) database_timeout_ms: u64,
    pub(super) client_cache_ttl_ms: u64,
    pub(super) workers: Option<usize>,
    pub(super) shutdown_timeout_secs: u64,
    pub(super) session_ttl_secs: i64,
    pub(super) authorization_code_ttl_secs: i64,
    pub(super) refresh_token_idle_secs: i64,
    pub(super) refresh_token_absolute_secs: i64,
    pub(super) refresh_token_grace_secs: i64,
    pub(super) password_min_length: usize,
    pub(super) argon2_memory_kib: u32,
    pub(super) argon2_iterations: u32,
    pub(super) argon2_parallelism: u32,
    pub(super) lockout_threshold: u32,
    pub(super) lockout_base_secs: i64,
    pub(super) lockout_max_secs: i64,
    pub(super) mail: RawMail,
    pub(super) mfa: RawMfa,
    pub(super) docs: Option<bool>,
    pub(super) outbound: RawOutbound,
    pub(super) registration: RawRegistration,
    pub(super) accounts: RawAccounts,
    pub(super) profile: String,
    pub(super) par: RawPar,
    pub(super) dpop: RawDpop,
    pub(super) backchannel_logout: RawBackchannelLogout,
    pub(super) otel: super::otel::RawOtel,
}

/// `par.*`: pushed authorization requests (RFC 9126).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawPar {
    pub(super) required: bool,
    pub(super) request_uri_ttl_secs: u64,
}

impl Default for RawPar {
    fn default() -> Self {
        Self {
            required: false,
            request_uri_ttl_secs: 60,
        }
    }
}

/// `dpop.*`: DPoP proofs (RFC 9449).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawDpop {
    pub(super) nonce: bool,
    pub(super) iat_window_secs: u64,
}

impl Default for RawDpop {
    fn default() -> Self {
        Self {
            nonce: false,
            iat_window_secs: 60,
        }
    }
}

/// `backchannel_logout.*`: delivery of logout tokens (Back-Channel Logout 1.0).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawBackchannelLogout {
    pub(super) timeout_secs: u64,
    pub(super) max_attempts: u32,
}

impl Default for RawBackchannelLogout {
    fn default() -> Self {
        Self {
            timeout_secs: 5,
            max_attempts: 8,
        }
    }
}

/// `registration.*`: dynamic client registration (RFC 7591/7592) and self-service account
/// registration (`registration.self_service`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct RawRegistration {
    /// `POST /register` and `/register/{client_id}` are served.
    pub(super) enabled: bool,
    /// When set, `POST /register` needs it as a bearer token (RFC 7591 §3).
    pub(super) initial_access_token: Option<SecretString>,
    /// A dynamically registered client never issued a code or token is deleted this long
    /// after registering.
    pub(super) unused_client_ttl_secs: u64,
    /// People may create their own accounts (`/signup`, `POST /users/register`); unset: on
    /// in development, off in production.
    pub(super) self_service: Option<bool>,
}

impl Default for RawRegistration {
    fn default() -> Self {
        Self {
            enabled: true,
            initial_access_token: None,
            unused_client_ttl_secs: 86_400,
            self_service: None,
        }
    }
}

/// `accounts.*`: rules about people's accounts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawAccounts {
    /// No authorization code and no account API token for an unverified address.
    pub(super) require_verified_email: bool,
}

/// `outbound.*`: the guarded HTTP client of every outbound fetch.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawOutbound {
    /// Lets fetches reach loopback and private addresses (development, tests).
    pub(super) allow_private_addresses: bool,
}

/// `mfa.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawMfa {
    /// `off`, `optional` or `required`.
    pub(super) required: String,
}

impl Default for RawMfa {
    fn default() -> Self {
        Self {
            required: "optional".into(),
        }
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            bind: "127.0.0.1:8080".into(),
            database_url: SecretString::from("sqlite://tessera.db"),
            environment: Environment::Development,
            admin_token: None,
            secret_key: None,
            rate_limit: RawRateLimit::default(),
            log_format: LogFormat::Text,
            signing_alg: None,
            access_token_ttl_secs: 900,
            key_refresh_secs: 10,
            housekeeping_interval_secs: 300,
            housekeeping_batch: 5000,
            database_pool_size: 16,
            database_timeout_ms: 2000,
            client_cache_ttl_ms: 1000,
            workers: None,
            shutdown_timeout_secs: 30,
            session_ttl_secs: 12 * 3600,
            authorization_code_ttl_secs: 60,
            refresh_token_idle_secs: 14 * 24 * 3600,
            refresh_token_absolute_secs: 90 * 24 * 3600,
            refresh_token_grace_secs: 0,
            password_min_length: 15,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            lockout_threshold: 5,
            lockout_base_secs: 60,
            lockout_max_secs: 3600,
            mail: RawMail::default(),
            mfa: RawMfa::default(),
            docs: None,
            outbound: RawOutbound::default(),
            registration: RawRegistration::default(),
            accounts: RawAccounts::default(),
            profile: "standard".into(),
            par: RawPar::default(),
            dpop: RawDpop::default(),
            backchannel_logout: RawBackchannelLogout::default(),
            otel: super::otel::RawOtel::default(),
        }
    }
}
