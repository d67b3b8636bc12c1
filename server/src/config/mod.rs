//! Configuration: built-in defaults < TOML file < `TESSERA_*` environment (nested keys joined
//! by `__`), per the contract. The figment shape ([`raw`]) is parsed once into [`Config`]:
//! typed values grouped by area, so the rest of the program never parses a string again. A bad
//! value stops start-up with a message naming the key.

mod areas;
mod branding;
mod issuer;
mod mail;
mod otel;
mod parse;
mod rate_limit;
mod raw;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_tests;

pub use areas::{
    AccountsConfig, AdminConfig, ClientRegistrationConfig, DatabaseConfig, HardeningConfig,
    HousekeepingConfig, HttpConfig, KeysConfig, OutboundConfig, TokensConfig, UpstreamConfig,
};
pub use branding::{BrandingConfig, MAX_LOGO_BYTES};
pub use issuer::Issuer;
pub use mail::{MailConfig, MailDelivery, SmtpConfig};
pub use otel::OtelConfig;
pub use rate_limit::RateLimits;
pub use tessera_adapters::http::Budget;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;
use std::path::{Path, PathBuf};

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

/// Every setting of the `tessera` binary, checked and typed, one struct per area.
#[derive(Debug, Clone)]
pub struct Config {
    /// development or production.
    pub environment: Environment,
    /// text or json.
    pub log_format: LogFormat,
    /// The issuer and the HTTP server.
    pub http: HttpConfig,
    /// The database connection pool.
    pub database: DatabaseConfig,
    /// Deletion of expired rows; `None` when `housekeeping_interval_secs = 0`.
    pub housekeeping: Option<HousekeepingConfig>,
    /// Signing keys and the secret that encrypts them.
    pub keys: KeysConfig,
    /// Token lifetimes.
    pub tokens: TokensConfig,
    /// Passwords, sessions and lockout.
    pub accounts: AccountsConfig,
    /// Outgoing mail (verification and reset links).
    pub mail: MailConfig,
    /// Rate limits.
    pub rate_limit: RateLimits,
    /// The admin API.
    pub admin: AdminConfig,
    /// Outbound fetches (the guarded HTTP client).
    pub outbound: OutboundConfig,
    /// Sign-in through upstream identity providers.
    pub upstream: UpstreamConfig,
    /// Dynamic client registration (RFC 7591/7592).
    pub client_registration: ClientRegistrationConfig,
    /// Hardened clients: the FAPI 2.0 switch, PAR, DPoP, back-channel logout.
    pub hardening: HardeningConfig,
    /// OpenTelemetry traces; off unless `otel.endpoint` is set.
    pub otel: OtelConfig,
    /// The look of the pages and mails: product name, logo, colour, support link.
    pub branding: BrandingConfig,
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config`/`TESSERA_CONFIG` is not there.
    #[error("invalid configuration: configuration file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    /// A value failed to parse (figment's message names the key).
    #[error("invalid configuration: {0}")]
    Load(#[source] Box<figment::Error>),
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

impl ConfigError {
    /// A broken rule of `key`.
    pub(crate) fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            message: message.into(),
        }
    }
}

fn production_lines(problems: &[(&'static str, String)]) -> String {
    problems
        .iter()
        .map(|(key, message)| format!("invalid configuration for production: {key}: {message}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Environment variables with the prefix that are not configuration keys.
const NOT_CONFIG_KEYS: [&str; 5] = [
    "config",
    "test_postgres_url",
    "require_postgres",
    "test_redis_url",
    "require_redis",
];

impl Config {
    /// Loads defaults < file < environment. `file` is `--config`/`TESSERA_CONFIG` if given
    /// (and must exist), else `tessera.toml` when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::MissingFile(path.to_path_buf()))
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
        Self::from_figment(&figment)
    }

    /// Parses whatever `figment` holds over the built-in defaults.
    pub fn from_figment(figment: &Figment) -> Result<Self, ConfigError> {
        let raw: raw::RawConfig = figment
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        raw.parse()
    }

    /// The built-in defaults alone (what a run without file or environment gets).
    pub fn defaults() -> Result<Self, ConfigError> {
        Self::from_figment(&Figment::new())
    }
}
