//! Configuration: built-in defaults < TOML file < `TESSERA_*` environment (nested keys joined
//! by `__`), per the contract. A bad value stops start-up with a message naming the key.

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tessera_adapters::http::{Budget, RateLimitSettings};

/// Where the process runs; production turns on the strict checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Local development: generated secret key, docs on.
    #[default]
    Development,
    /// Production: https issuer and an explicit secret key required.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// One budget (`rate_limit.<purpose>.burst`, `.per_hour`); an unset half keeps its default.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BudgetOverride {
    /// How many may be spent at once.
    pub burst: Option<u32>,
    /// How many come back per hour.
    pub per_hour: Option<u32>,
}

impl BudgetOverride {
    /// Both halves set.
    pub const fn new(burst: u32, per_hour: u32) -> Self {
        Self {
            burst: Some(burst),
            per_hour: Some(per_hour),
        }
    }

    /// This override over `default`.
    pub fn over(&self, default: Budget) -> Budget {
        Budget::new(
            self.burst.unwrap_or(default.burst),
            self.per_hour.unwrap_or(default.per_hour),
        )
    }
}

/// Rate limiting (`rate_limit.*`): a budget per purpose; see the README for the defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RateLimit {
    /// `false` turns every rate limit off (benchmarks).
    pub enabled: bool,
    /// Take the address from `X-Forwarded-For` (only behind a proxy you trust).
    pub trust_forwarded_for: bool,
    /// Failed client authentications per address.
    pub client_auth_failures: BudgetOverride,
    /// Failed client authentications per client id.
    pub client_id_failures: BudgetOverride,
    /// Failed sign-ins (and wrong emailed-link tokens) per address.
    pub sign_in_failures: BudgetOverride,
    /// Registrations per address.
    pub registrations: BudgetOverride,
    /// Requests that send mail, per address.
    pub mail_requests: BudgetOverride,
    /// Reset or verification mails per account.
    pub mail_per_account: BudgetOverride,
    /// Failed admin API authentications per address.
    pub admin_auth_failures: BudgetOverride,
}

impl Default for RateLimit {
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
        }
    }
}

impl RateLimit {
    /// The limiter settings: each budget over its built-in default. A trusted-device cookie
    /// loses its exemption after `lockout_threshold` failures an hour.
    pub fn settings(&self, lockout_threshold: u32) -> RateLimitSettings {
        let d = RateLimitSettings::default();
        RateLimitSettings {
            enabled: self.enabled,
            trust_forwarded_for: self.trust_forwarded_for,
            client_auth_failures: self.client_auth_failures.over(d.client_auth_failures),
            client_id_failures: self.client_id_failures.over(d.client_id_failures),
            sign_in_failures: self.sign_in_failures.over(d.sign_in_failures),
            device_failures: Budget::new(lockout_threshold, lockout_threshold),
            registrations: self.registrations.over(d.registrations),
            mail_requests: self.mail_requests.over(d.mail_requests),
            mail_per_account: self.mail_per_account.over(d.mail_per_account),
            admin_auth_failures: self.admin_auth_failures.over(d.admin_auth_failures),
            ..d
        }
    }

    fn budgets(&self) -> [(&'static str, BudgetOverride); 7] {
        [
            ("rate_limit.client_auth_failures", self.client_auth_failures),
            ("rate_limit.client_id_failures", self.client_id_failures),
            ("rate_limit.sign_in_failures", self.sign_in_failures),
            ("rate_limit.registrations", self.registrations),
            ("rate_limit.mail_requests", self.mail_requests),
            ("rate_limit.mail_per_account", self.mail_per_account),
            ("rate_limit.admin_auth_failures", self.admin_auth_failures),
        ]
    }
}

/// How mail leaves Tessera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// One `.eml` file per message in `mail.outbox_dir` (development: nothing is lost).
    File,
    /// An SMTP relay.
    Smtp,
}

/// TLS towards the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsMode {
    /// Plain text (only for a relay on the same host).
    None,
    /// STARTTLS upgrade, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Mail settings (`mail.*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Mail {
    /// `file` (default) or `smtp`.
    pub transport: MailTransport,
    /// The From address, e.g. `Tessera <no-reply@example.com>`.
    pub from: String,
    /// Where the file transport writes messages; undeliverable messages of either transport
    /// go to its `failed/` folder.
    pub outbox_dir: PathBuf,
    /// SMTP relay host.
    pub smtp_host: Option<String>,
    /// SMTP relay port.
    pub smtp_port: u16,
    /// `starttls` (default), `tls` or `none`.
    pub smtp_tls: SmtpTlsMode,
    /// SMTP user name, if the relay wants one.
    pub smtp_username: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<SecretString>,
    /// Seconds one SMTP delivery may take.
    pub smtp_timeout_secs: u64,
    /// Messages waiting for delivery at most; beyond, new ones go straight to `failed/`.
    pub queue_capacity: usize,
    /// Delivery attempts per message before it is put in `failed/`.
    pub max_attempts: u32,
    /// Wait before the first retry, in milliseconds; it doubles each time.
    pub retry_base_ms: u64,
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            from: "Tessera <no-reply@localhost>".into(),
            outbox_dir: PathBuf::from("mail-outbox"),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpTlsMode::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_secs: 10,
            queue_capacity: 1_000,
            max_attempts: 5,
            retry_base_ms: 1_000,
        }
    }
}

/// Every setting of the `tessera` binary.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Issuer URL: `iss` of tokens and base of every advertised endpoint.
    pub issuer: String,
    /// Address to listen on.
    pub bind: String,
    /// `sqlite://…` or `postgres://…`; may hold a password, so it is a secret.
    pub database_url: SecretString,
    /// development or production.
    pub environment: Environment,
    /// Enables the admin API when set.
    pub admin_token: Option<SecretString>,
    /// Encrypts signing keys at rest.
    pub secret_key: Option<SecretString>,
    /// Rate limits.
    pub rate_limit: RateLimit,
    /// text or json.
    pub log_format: LogFormat,
    /// Algorithm of the first signing key and the default for rotation.
    pub signing_alg: String,
    /// Access token lifetime in seconds.
    pub access_token_ttl_secs: i64,
    /// How often a running server re-reads signing keys (to see another process's rotation).
    pub key_refresh_secs: u64,
    /// How often expired rows (codes, sessions, link tokens, denylist, dead refresh tokens)
    /// are deleted, so tables and their indexes stay the size of live data; 0 = never.
    pub housekeeping_interval_secs: u64,
    /// Rows per delete statement of housekeeping: each batch is one short transaction, so
    /// request traffic interleaves with a large backlog.
    pub housekeeping_batch: u32,
    /// Maximum database connections per process.
    pub database_pool_size: usize,
    /// How long a request waits for a database connection before answering 503.
    pub database_timeout_ms: u64,
    /// SQLite only: how long a client row is reused for authentication before it is read again;
    /// changes by another process (the CLI beside a running server) apply within it. 0 = never.
    pub client_cache_ttl_ms: u64,
    /// HTTP worker threads; default: one per core.
    pub workers: Option<usize>,
    /// Grace period for in-flight requests on SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// Browser session lifetime (absolute).
    pub session_ttl_secs: i64,
    /// Authorization code lifetime.
    pub authorization_code_ttl_secs: i64,
    /// Refresh token idle lifetime.
    pub refresh_token_idle_secs: i64,
    /// Refresh token family absolute lifetime.
    pub refresh_token_absolute_secs: i64,
    /// Refresh token grace window: for this many seconds after a rotation, a repeat of it by
    /// the same client gets the same successor tokens (a bounded number of times); 0 = off.
    pub refresh_token_grace_secs: i64,
    /// Shortest password accepted (never below 8).
    pub password_min_length: usize,
    /// argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// argon2id passes.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    /// Consecutive failed sign-ins that lock an account (1 to 100).
    pub lockout_threshold: u32,
    /// Length of an account's first lock in seconds; each further lock doubles it.
    pub lockout_base_secs: i64,
    /// Longest lock in seconds.
    pub lockout_max_secs: i64,
    /// Outgoing mail (verification and reset links).
    pub mail: Mail,
    /// Serve `GET /docs`; unset means on outside production, off in production (where
    /// turning it on is refused).
    pub docs: Option<bool>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            bind: "127.0.0.1:8080".into(),
            database_url: SecretString::from("sqlite://tessera.db"),
            environment: Environment::Development,
            admin_token: None,
            secret_key: None,
            rate_limit: RateLimit::default(),
            log_format: LogFormat::Text,
            signing_alg: "RS256".into(),
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
            mail: Mail::default(),
            docs: None,
        }
    }
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value failed to parse or is missing its file.
    #[error("invalid configuration: {0}")]
    Load(String),
    /// `environment = "production"` refuses these settings: one line per problem.
    #[error("{}", production_lines(.0))]
    Production(Vec<(&'static str, String)>),
    /// A value parsed but breaks a rule.
    #[error("invalid configuration: {key}: {message}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

fn production_lines(problems: &[(&'static str, String)]) -> String {
    problems
        .iter()
        .map(|(key, message)| format!("invalid configuration for production: {key}: {message}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// True for `http://127.0.0.1…`, `http://localhost…` and `http://[::1]…`.
fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        rest.split([':', '/']).next().unwrap_or_default()
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Environment variables with the prefix that are not configuration keys.
const NOT_CONFIG_KEYS: [&str; 3] = ["config", "test_postgres_url", "require_postgres"];

impl Config {
    /// Loads defaults < file < environment. `file` is `--config`/`TESSERA_CONFIG` if given
    /// (and must exist), else `tessera.toml` when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::Load(format!(
                    "configuration file {} does not exist",
                    path.display()
                )))
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("tessera.toml").exists() => {
                figment = figment.merge(Toml::file("tessera.toml"))
            }
            None => {}
        }
        figment = figment.merge(
            Env::prefixed("TESSERA_")
                .split("__")
                .ignore(&NOT_CONFIG_KEYS),
        );
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| ConfigError::Invalid {
            key,
            message: message.to_owned(),
        };
        let issuer = self.issuer.as_str();
        let rest = issuer
            .strip_prefix("https://")
            .or_else(|| issuer.strip_prefix("http://"))
            .ok_or_else(|| invalid("issuer", "must be an http(s) URL"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("issuer", "must name a host"));
        }
        if issuer.contains(['?', '#'])
            || issuer.ends_with('/')
            || issuer.contains(char::is_whitespace)
        {
            return Err(invalid(
                "issuer",
                "must have no query, fragment, white space or trailing slash (RFC 8414 §2)",
            ));
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("bind", "must be an address like 127.0.0.1:8080"));
        }
        tessera_domain::SigningAlgorithm::parse(&self.signing_alg)
            .map_err(|e| invalid("signing_alg", &e.to_string()))?;
        if !(60..=86_400).contains(&self.access_token_ttl_secs) {
            return Err(invalid(
                "access_token_ttl_secs",
                "must be between 60 and 86400",
            ));
        }
        if self.database_pool_size == 0 || self.database_pool_size > 1000 {
            return Err(invalid("database_pool_size", "must be between 1 and 1000"));
        }
        if !(100..=60_000).contains(&self.database_timeout_ms) {
            return Err(invalid(
                "database_timeout_ms",
                "must be between 100 and 60000",
            ));
        }
        if self.client_cache_ttl_ms > 60_000 {
            return Err(invalid(
                "client_cache_ttl_ms",
                "must be between 0 and 60000",
            ));
        }
        for (key, budget) in self.rate_limit.budgets() {
            if budget.burst == Some(0) || budget.per_hour == Some(0) {
                return Err(invalid(
                    key,
                    "burst and per_hour must be at least 1 (use rate_limit.enabled = false to turn limits off)",
                ));
            }
        }
        if self.key_refresh_secs == 0 {
            return Err(invalid("key_refresh_secs", "must be at least 1"));
        }
        if self.housekeeping_interval_secs > 86_400 {
            return Err(invalid(
                "housekeeping_interval_secs",
                "must be between 0 (off) and 86400",
            ));
        }
        if !(100..=100_000).contains(&self.housekeeping_batch) {
            return Err(invalid(
                "housekeeping_batch",
                "must be between 100 and 100000",
            ));
        }
        if !(1..=600).contains(&self.authorization_code_ttl_secs) {
            return Err(invalid(
                "authorization_code_ttl_secs",
                "must be between 1 and 600 (AS-17)",
            ));
        }
        if self.session_ttl_secs < 60 {
            return Err(invalid("session_ttl_secs", "must be at least 60"));
        }
        if self.refresh_token_idle_secs < 60
            || self.refresh_token_absolute_secs < self.refresh_token_idle_secs
        {
            return Err(invalid(
                "refresh_token_absolute_secs",
                "must be at least refresh_token_idle_secs, which must be at least 60",
            ));
        }
        if !(0..=60).contains(&self.refresh_token_grace_secs) {
            return Err(invalid(
                "refresh_token_grace_secs",
                "must be between 0 (off) and 60 (R-10)",
            ));
        }
        if !(8..=256).contains(&self.password_min_length) {
            return Err(invalid("password_min_length", "must be between 8 and 256"));
        }
        if self.argon2_memory_kib < 8 * self.argon2_parallelism.max(1)
            || self.argon2_iterations == 0
            || self.argon2_parallelism == 0
        {
            return Err(invalid(
                "argon2_memory_kib",
                "argon2 parameters are out of range",
            ));
        }
        if !(1..=100).contains(&self.lockout_threshold) {
            return Err(invalid("lockout_threshold", "must be between 1 and 100"));
        }
        if !(1..=86_400).contains(&self.lockout_base_secs) {
            return Err(invalid("lockout_base_secs", "must be between 1 and 86400"));
        }
        if !(self.lockout_base_secs..=86_400).contains(&self.lockout_max_secs) {
            return Err(invalid(
                "lockout_max_secs",
                "must be between lockout_base_secs and 86400",
            ));
        }
        if self.mail.transport == MailTransport::Smtp
            && self.mail.smtp_host.as_deref().is_none_or(str::is_empty)
        {
            return Err(invalid(
                "mail.smtp_host",
                "is required with mail.transport = \"smtp\"",
            ));
        }
        if self.mail.from.trim().is_empty() {
            return Err(invalid("mail.from", "must be an address"));
        }
        if self.mail.queue_capacity == 0 || self.mail.max_attempts == 0 {
            return Err(invalid(
                "mail.queue_capacity",
                "queue_capacity and max_attempts must be at least 1",
            ));
        }
        if self.workers == Some(0) {
            return Err(invalid("workers", "must be at least 1"));
        }
        if self.environment == Environment::Production {
            let problems = self.production_problems();
            if !problems.is_empty() {
                return Err(ConfigError::Production(problems));
            }
        }
        Ok(())
    }

    /// Everything `environment = "production"` refuses, one entry per problem, so an operator
    /// fixes them all in one go.
    fn production_problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if !self.issuer.starts_with("https://") && !is_loopback_url(&self.issuer) {
            problems.push((
                "issuer",
                "must be https in production (http only on a loopback address)".to_owned(),
            ));
        }
        match &self.secret_key {
            None => problems.push(("secret_key", "is required in production".to_owned())),
            Some(k) if secrecy::ExposeSecret::expose_secret(k).len() < 32 => {
                problems.push(("secret_key", "must be at least 32 characters".to_owned()))
            }
            Some(_) => {}
        }
        // The admin token opens the whole admin API: as strong as the secret key.
        if let Some(t) = &self.admin_token {
            if secrecy::ExposeSecret::expose_secret(t).chars().count() < 32 {
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
        // ASVS 4.0.3 2.2.1 / NIST 800-63B: at most 100 failed attempts per hour per account.
        // Development may use short delays (tests do).
        let allowed = self.lockout_policy().max_failures_per_hour();
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

    /// Whether `GET /docs` is served: on outside production unless `docs = false`.
    pub fn docs_enabled(&self) -> bool {
        self.docs
            .unwrap_or(self.environment != Environment::Production)
    }

    /// The account lockout rules these settings make.
    pub fn lockout_policy(&self) -> tessera_domain::LockoutPolicy {
        tessera_domain::LockoutPolicy {
            threshold: self.lockout_threshold,
            base_secs: self.lockout_base_secs,
            max_secs: self.lockout_max_secs,
        }
    }

    /// The SQLite database file, when the URL names one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = secrecy::ExposeSecret::expose_secret(&self.database_url);
        url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_contract() {
        let c = Config::default();
        c.validate().unwrap();
        assert_eq!(c.issuer, "http://127.0.0.1:8080");
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.sqlite_path().unwrap(), PathBuf::from("tessera.db"));
        assert!(c.rate_limit.enabled);
        assert_eq!(c.refresh_token_grace_secs, 0, "grace window off by default");
        assert_eq!(c.housekeeping_interval_secs, 300);
        assert_eq!(c.housekeeping_batch, 5000);
    }

    #[test]
    fn housekeeping_keys_are_bounded_and_named() {
        let bad = [
            (0, 99, "housekeeping_batch"),
            (300, 100_001, "housekeeping_batch"),
            (86_401, 5000, "housekeeping_interval_secs"),
        ];
        for (interval, batch, key) in bad {
            let c = Config {
                housekeeping_interval_secs: interval,
                housekeeping_batch: batch,
                ..Config::default()
            };
            let msg = c.validate().unwrap_err().to_string();
            assert!(msg.contains(key), "{msg} should name {key}");
        }
        for (interval, batch) in [(0, 100), (86_400, 100_000)] {
            let c = Config {
                housekeeping_interval_secs: interval,
                housekeeping_batch: batch,
                ..Config::default()
            };
            c.validate().unwrap();
        }
    }

    #[test]
    fn as_11_bad_values_name_their_key_and_issuer_has_no_query_or_fragment() {
        let cases: Vec<(Config, &str)> = vec![
            (
                Config {
                    issuer: "ftp://x".into(),
                    ..Config::default()
                },
                "issuer",
            ),
            (
                Config {
                    issuer: "https://x/?a".into(),
                    ..Config::default()
                },
                "issuer",
            ),
            (
                Config {
                    issuer: "https://x/".into(),
                    ..Config::default()
                },
                "issuer",
            ),
            (
                Config {
                    bind: "nowhere".into(),
                    ..Config::default()
                },
                "bind",
            ),
            (
                Config {
                    signing_alg: "HS256".into(),
                    ..Config::default()
                },
                "signing_alg",
            ),
            (
                Config {
                    environment: Environment::Production,
                    issuer: "http://id.example".into(),
                    ..Config::default()
                },
                "issuer",
            ),
            (
                Config {
                    environment: Environment::Production,
                    issuer: "https://id.example".into(),
                    ..Config::default()
                },
                "secret_key",
            ),
        ];
        let mut cases = cases;
        for grace in [61, -1] {
            cases.push((
                Config {
                    refresh_token_grace_secs: grace,
                    ..Config::default()
                },
                "refresh_token_grace_secs",
            ));
        }
        for (c, key) in cases {
            let msg = c.validate().unwrap_err().to_string();
            assert!(msg.contains(key), "{msg} should name {key}");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's own signature
    fn environment_overrides_file_and_type_errors_name_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "t.toml",
                "issuer = \"https://file.example\"\nbind = \"127.0.0.1:9000\"",
            )?;
            jail.set_env("TESSERA_BIND", "127.0.0.1:9001");
            jail.set_env("TESSERA_RATE_LIMIT__ENABLED", "false");
            jail.set_env("TESSERA_CONFIG", "ignored-here");
            let c = Config::load(Some(Path::new("t.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.issuer, "https://file.example");
            assert_eq!(c.bind, "127.0.0.1:9001");
            assert!(!c.rate_limit.enabled);
            jail.set_env("TESSERA_ACCESS_TOKEN_TTL_SECS", "soon");
            let err = Config::load(Some(Path::new("t.toml")))
                .unwrap_err()
                .to_string();
            assert!(
                err.to_lowercase().contains("access_token_ttl_secs"),
                "{err}"
            );
            Ok(())
        });
    }

    /// Production refuses a non-loopback http issuer, a missing or short secret key and the
    /// docs page, naming every problem on its own line.
    #[test]
    fn production_refusals_are_listed_one_per_line() {
        let c = Config {
            environment: Environment::Production,
            issuer: "http://id.example".into(),
            docs: Some(true),
            ..Config::default()
        };
        let msg = c.validate().unwrap_err().to_string();
        let lines: Vec<&str> = msg.lines().collect();
        assert_eq!(lines.len(), 3, "{msg}");
        assert!(lines[0].contains("issuer: must be https"), "{msg}");
        assert!(lines[1].contains("secret_key: is required"), "{msg}");
        assert!(lines[2].contains("docs: must be off"), "{msg}");
        let ok = |issuer: &str| Config {
            environment: Environment::Production,
            issuer: issuer.into(),
            secret_key: Some(SecretString::from("k".repeat(32))),
            ..Config::default()
        };
        for issuer in [
            "https://id.example",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            ok(issuer)
                .validate()
                .unwrap_or_else(|e| panic!("{issuer}: {e}"));
            assert!(!ok(issuer).docs_enabled());
        }
        for issuer in ["http://127.0.0.1.example", "http://localhost.example"] {
            assert!(ok(issuer).validate().is_err(), "{issuer}");
        }
        let short = Config {
            secret_key: Some(SecretString::from("short".to_owned())),
            ..ok("https://id.example")
        };
        assert!(short
            .validate()
            .unwrap_err()
            .to_string()
            .contains("secret_key"));
        assert!(Config::default().docs_enabled());
    }

    #[test]
    fn keys_production_refuses_an_admin_token_shorter_than_32_characters() {
        let with_token = |token: &str| Config {
            environment: Environment::Production,
            issuer: "https://id.example".into(),
            secret_key: Some(SecretString::from("k".repeat(32))),
            admin_token: Some(SecretString::from(token.to_owned())),
            ..Config::default()
        };
        let short = "t".repeat(31);
        let msg = with_token(&short).validate().unwrap_err().to_string();
        assert!(
            msg.contains("admin_token: must be at least 32 characters"),
            "{msg}"
        );
        assert!(!msg.contains(&short), "the token is not echoed: {msg}");
        with_token(&"t".repeat(32)).validate().unwrap();
        // 31 characters in more than 32 bytes are still 31 characters.
        assert!(with_token(&"é".repeat(31)).validate().is_err());
        // Development keeps any token, and production without one has the admin API off.
        Config {
            environment: Environment::Development,
            ..with_token("short")
        }
        .validate()
        .unwrap();
        Config {
            admin_token: None,
            ..with_token("")
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        assert!(Config::load(Some(Path::new("/nonexistent/tessera.toml"))).is_err());
    }

    #[test]
    fn asvs_2_2_1_lockout_settings_are_checked_and_production_allows_at_most_100_per_hour() {
        let d = Config::default();
        assert_eq!(
            (d.lockout_threshold, d.lockout_base_secs, d.lockout_max_secs),
            (5, 60, 3600)
        );
        assert_eq!(d.lockout_policy(), tessera_domain::LockoutPolicy::default());
        let bad = [
            (0, 60, 3600, "lockout_threshold"),
            (101, 60, 3600, "lockout_threshold"),
            (5, 0, 3600, "lockout_base_secs"),
            (5, 86_401, 86_401, "lockout_base_secs"),
            (5, 60, 59, "lockout_max_secs"),
            (5, 60, 86_401, "lockout_max_secs"),
        ];
        for (threshold, base, max, key) in bad {
            let c = Config {
                lockout_threshold: threshold,
                lockout_base_secs: base,
                lockout_max_secs: max,
                ..Config::default()
            };
            let msg = c.validate().unwrap_err().to_string();
            assert!(msg.contains(key), "{msg} should name {key}");
        }
        let production = |threshold, base, max| Config {
            environment: Environment::Production,
            issuer: "https://id.example".into(),
            secret_key: Some(SecretString::from("k".repeat(32))),
            lockout_threshold: threshold,
            lockout_base_secs: base,
            lockout_max_secs: max,
            ..Config::default()
        };
        production(5, 60, 3600).validate().unwrap();
        production(10, 300, 3600).validate().unwrap();
        // Short delays are for development and tests only.
        let fast = production(5, 2, 4);
        let msg = fast.validate().unwrap_err().to_string();
        assert!(
            msg.contains("lockout_threshold") && msg.contains("at most 100"),
            "{msg}"
        );
        Config {
            environment: Environment::Development,
            ..fast
        }
        .validate()
        .unwrap();
        assert!(production(100, 60, 3600).validate().is_err());
    }
}
