//! The typed settings of each area; [`super::parse`] builds them, wiring reads them.

use super::Issuer;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;
use tessera_adapters::crypto::Argon2Settings;
use tessera_domain::{LockoutPolicy, PasswordPolicy, SigningAlgorithm};

/// The issuer and the HTTP server (`issuer`, `bind`, `workers`, `shutdown_timeout_secs`,
/// `docs`).
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `iss` of tokens and base of every advertised endpoint.
    pub issuer: Issuer,
    /// Address to listen on (port 0: any free port, see `Application::local_addr`).
    pub bind: SocketAddr,
    /// HTTP worker threads; `None`: one per core.
    pub workers: Option<NonZeroUsize>,
    /// Grace period for in-flight requests on SIGTERM.
    pub shutdown_timeout: Duration,
    /// Serve `GET /docs`: `docs`, else on outside production.
    pub docs: bool,
}

/// The database (`database_url`, `database_pool_size`, `database_timeout_ms`,
/// `client_cache_ttl_ms`).
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; may hold a password, so it is a secret.
    pub url: SecretString,
    /// Maximum connections per process.
    pub pool_size: usize,
    /// How long a request waits for a connection (and a statement may run) before a 503.
    pub timeout: Duration,
    /// SQLite only: how long a client row is reused for authentication before it is read
    /// again; zero = never.
    pub client_cache_ttl: Duration,
}

impl DatabaseConfig {
    /// The SQLite database file, when the URL names one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url
            .expose_secret()
            .strip_prefix("sqlite://")
            .map(PathBuf::from)
    }
}

/// The background deletion of expired rows (`housekeeping_interval_secs`,
/// `housekeeping_batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HousekeepingConfig {
    /// Time between runs.
    pub every: Duration,
    /// Rows per delete statement: each batch is one short transaction, so request traffic
    /// interleaves with a large backlog.
    pub batch: u32,
}

/// Signing keys (`signing_alg`, `key_refresh_secs`, `secret_key`).
#[derive(Debug, Clone)]
pub struct KeysConfig {
    /// Algorithm of the first signing key and the default for rotation.
    pub signing_alg: SigningAlgorithm,
    /// How often a running server re-reads signing keys (to see another process's rotation).
    pub refresh_every: Duration,
    /// Encrypts signing keys at rest; `None`: development generates one into a file.
    pub secret_key: Option<SecretString>,
}

/// Token lifetimes (`access_token_ttl_secs`, `authorization_code_ttl_secs`,
/// `refresh_token_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokensConfig {
    /// Access token lifetime.
    pub access_token: Duration,
    /// Authorization code lifetime.
    pub authorization_code: Duration,
    /// Refresh token idle lifetime.
    pub refresh_idle: Duration,
    /// Refresh token family absolute lifetime.
    pub refresh_absolute: Duration,
    /// Refresh grace window: a repeat of a rotation within it by the same client gets
    /// the same successor tokens; `None`: off.
    pub refresh_grace: Option<Duration>,
}

/// Accounts (`session_ttl_secs`, `password_min_length`, `argon2_*`, `lockout_*`).
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Browser session lifetime (absolute).
    pub session: Duration,
    /// Which passwords are accepted.
    pub password: PasswordPolicy,
    /// argon2id cost.
    pub password_hashing: Argon2Settings,
    /// When failed sign-ins lock an account, and for how long.
    pub lockout: LockoutPolicy,
    /// Whether second factors are asked for, and whether everyone must have one
    /// (`mfa.required`).
    pub mfa: tessera_application::services::MfaPolicy,
    /// People may create their own accounts: `/signup` and `POST /users/register`
    /// (`registration.self_service`; unset: on in development, off in production).
    pub self_service: bool,
    /// No authorization code and no account API token for an address that is not verified
    /// (`accounts.require_verified_email`).
    pub require_verified_email: bool,
}

/// The admin API (`admin_token`).
#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// Enables the admin API when set.
    pub token: Option<SecretString>,
}

/// Outbound fetches (`outbound.allow_private_addresses`): metadata documents, and every later
/// fetch Tessera makes, go through one guarded client built from this.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundConfig {
    /// Lets outbound fetches reach loopback and private addresses, and `http` on loopback
    /// hosts; development and tests only (production refuses it).
    pub allow_private_addresses: bool,
}

/// Dynamic client registration (`registration.enabled`, `registration.initial_access_token`,
/// `registration.unused_client_ttl_secs`).
#[derive(Debug, Clone)]
pub struct ClientRegistrationConfig {
    /// `/register` is served and advertised.
    pub enabled: bool,
    /// When set, registering needs it as a bearer token.
    pub initial_access_token: Option<SecretString>,
    /// Seconds after which a dynamically registered client never used is deleted.
    pub unused_client_ttl: i64,
}

/// The hardened-client features (`profile`, `par.*`, `dpop.*`, `backchannel_logout.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardeningConfig {
    /// The server-wide security profile; `fapi2` holds every client to FAPI 2.0.
    pub profile: tessera_domain::SecurityProfile,
    /// Every `/authorize` request must come through `/par` (RFC 9126 §5).
    pub par_required: bool,
    /// How long a `request_uri` from `/par` stays usable.
    pub request_uri_ttl_secs: i64,
    /// DPoP proofs must carry a server-provided nonce (RFC 9449 §8).
    pub dpop_nonce: bool,
    /// How far a DPoP proof's `iat` may be from now, either way.
    pub dpop_iat_window_secs: i64,
    /// How long one delivery of a logout token may take.
    pub backchannel_timeout_secs: u64,
    /// Deliveries tried before a logout token is given up (and audited as failed).
    pub backchannel_max_attempts: u32,
    /// Seconds before the first retry of a failed delivery, doubled per failure: not a
    /// configuration key ([`DEFAULT_BACKCHANNEL_RETRY_BASE_SECS`]); tests shorten it.
    pub backchannel_retry_base_secs: i64,
}

/// The wait before the first retry of a failed logout token delivery.
pub const DEFAULT_BACKCHANNEL_RETRY_BASE_SECS: i64 = 10;
