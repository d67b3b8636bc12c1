//! Builds the adapters and services from the configuration: the one place that knows which
//! implementation stands behind each port. [`Core`] is what every command shares; the server's
//! own parts are wired per area ([`oauth`], [`accounts`], [`admin`], [`operations`]), the
//! database in [`persistence`].

pub mod accounts;
pub mod admin;
pub mod backchannel;
pub mod console;
pub mod oauth;
pub mod operations;
pub mod persistence;
pub mod rate_limit;
pub mod registration;

use crate::config::Config;
use crate::secret_key;
use persistence::Patience;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tessera_adapters::crypto::{
    AeadKeyCipher, Argon2Hasher, CipherPurpose, JosekitEngine, KeyPairGenerator, OsRandom,
    SystemClock,
};
use tessera_adapters::mail::{start_mail_queue, MailQueue};
use tessera_adapters::outbound::{OutboundClient, OutboundSettings};
use tessera_adapters::persistence::Database;
use tessera_application::errors::BoxError;
use tessera_application::ports::{Clock, JwsEngine, KeyCipher, PasswordHasher, RandomSource};
use tessera_application::services::{
    Accounts, AccountsDeps, BackchannelLogout, ClientRegistry, KeyService, ResourceIndicators,
    SignOutEverywhere,
};
use tessera_application::IssuerSettings;
use tessera_domain::SigningAlgorithm;

/// A failure while wiring: every variant's message is fit for an operator and holds no secret.
/// Each keeps the adapter's error as its source; the message names the area and repeats the
/// cause once, which is what the CLI prints.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[source] BoxError),
    /// The secret key could not be had.
    #[error(transparent)]
    SecretKey(#[from] secret_key::SecretKeyError),
    /// Keys could not be created or loaded.
    #[error("signing keys: {0}")]
    Keys(#[source] BoxError),
    /// The password hasher could not be built.
    #[error("password hasher: {0}")]
    Hasher(#[source] BoxError),
    /// The mailer could not be started.
    #[error("mail: {0}")]
    Mail(#[source] BoxError),
    /// The passkey relying party could not be set up from the issuer.
    #[error("passkeys: {0}")]
    Passkeys(#[source] BoxError),
    /// The outbound HTTP client could not be built (TLS initialisation).
    #[error("outbound HTTP client: {0}")]
    Outbound(#[source] BoxError),
    /// The rate limiter's Redis URL was refused (checked at start-up, so not expected here).
    #[error("rate limits: {0}")]
    RateLimit(#[source] BoxError),
}

/// Whole seconds of `d` as the application's `i64` seconds (saturating; configured values
/// are far below).
pub fn whole_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// The adapters every command shares.
pub struct Core {
    /// The database.
    pub db: Database,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
    /// The CSPRNG.
    pub rng: Arc<dyn RandomSource>,
    /// The JWS engine (keys not yet loaded).
    pub jws: Arc<dyn JwsEngine>,
    /// Issuer settings.
    pub settings: IssuerSettings,
    /// Configured signing algorithm.
    pub signing_alg: SigningAlgorithm,
    /// How long a new key is published before rotation may make it active: the JWKS cache
    /// lifetime plus the time other servers take to load it.
    pub key_publish_lead_secs: i64,
    /// The one guarded HTTP client of every outbound fetch (AS-41).
    pub outbound: OutboundClient,
    /// The server-wide security profile (`profile`); clients may only raise it.
    pub profile: tessera_domain::SecurityProfile,
    /// Back-channel logout, set by the server once the audit log exists: every session
    /// service built after that notifies the relying parties when sessions end.
    pub backchannel: OnceLock<Arc<BackchannelLogout>>,
}

impl Core {
    /// Opens the database for serving requests (a busy pool answers fast) and applies pending
    /// migrations.
    pub async fn open(config: &Config) -> Result<Self, WiringError> {
        Self::open_with(config, Patience::Serving).await
    }

    /// Opens the database for a one-shot command, which would rather wait for a busy database
    /// than fail.
    pub async fn open_for_command(config: &Config) -> Result<Self, WiringError> {
        Self::open_with(config, Patience::OneShot).await
    }

    async fn open_with(config: &Config, patience: Patience) -> Result<Self, WiringError> {
        let db = persistence::open(&config.database, patience).await?;
        let mut settings = IssuerSettings::new(config.http.issuer.as_str());
        let tokens = &config.tokens;
        settings.lifetimes.access_token = whole_secs(tokens.access_token);
        settings.lifetimes.authorization_code = whole_secs(tokens.authorization_code);
        settings.lifetimes.refresh_idle = whole_secs(tokens.refresh_idle);
        settings.lifetimes.refresh_absolute = whole_secs(tokens.refresh_absolute);
        let outbound = OutboundClient::new(OutboundSettings {
            allow_private_addresses: config.outbound.allow_private_addresses,
            ..OutboundSettings::default()
        })
        .map_err(|e| WiringError::Outbound(e.into()))?;
        Ok(Self {
            profile: config.hardening.profile,
            outbound,
            backchannel: OnceLock::new(),
            db,
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRandom),
            jws: Arc::new(JosekitEngine::new()),
            settings,
            signing_alg: config.keys.signing_alg,
            key_publish_lead_secs: i64::from(tessera_adapters::http::JWKS_MAX_AGE_SECS)
                .saturating_add(whole_secs(config.keys.refresh_every)),
        })
    }

    /// The client registration service.
    pub fn client_registry(&self) -> ClientRegistry {
        ClientRegistry::new(self.db.clients(), self.clock.clone(), self.rng.clone())
    }

    /// The client registration service, able to seal `client_secret_jwt` secrets under `secret`.
    pub fn client_registry_with(&self, secret: &secrecy::SecretString) -> ClientRegistry {
        self.client_registry()
            .with_secret_sealer(Self::client_secret_cipher(secret))
    }

    /// The cipher `client_secret_jwt` secrets are sealed with (their own key, derived from
    /// `secret`; the client id as associated data), for registration and for checking their
    /// assertions.
    pub fn client_secret_cipher(secret: &secrecy::SecretString) -> Arc<dyn KeyCipher> {
        Arc::new(AeadKeyCipher::from_secret(
            secret,
            CipherPurpose::ClientSecrets,
        ))
    }

    /// Looks up the `resource` values (RFC 8707) of authorization and token requests in the
    /// registry on this database (`self.db.resources()` is the repository itself).
    pub fn resource_indicators(&self) -> ResourceIndicators {
        ResourceIndicators::new(self.db.resources())
    }

    /// The argon2id hasher with the configured parameters.
    pub fn password_hasher(config: &Config) -> Result<Arc<dyn PasswordHasher>, WiringError> {
        Ok(Arc::new(
            Argon2Hasher::new(config.accounts.password_hashing)
                .map_err(|e| WiringError::Hasher(e.into()))?,
        ))
    }

    /// Sign-in and account creation.
    pub fn accounts(&self, config: &Config) -> Result<Accounts, WiringError> {
        Ok(self.accounts_with(config, Self::password_hasher(config)?))
    }

    /// Sign-in and account creation on a given hasher (the server shares one, so its bound on
    /// concurrent hashes holds for every use case, R-08).
    pub fn accounts_with(&self, config: &Config, hasher: Arc<dyn PasswordHasher>) -> Accounts {
        let accounts = &config.accounts;
        let built = Accounts::new(AccountsDeps {
            users: self.db.users(),
            sessions: self.db.sessions(),
            hasher,
            clock: self.clock.clone(),
            rng: self.rng.clone(),
            policy: accounts.password,
            session_ttl: whole_secs(accounts.session),
            lockout: accounts.lockout,
        });
        match self.backchannel.get() {
            Some(b) => built.with_backchannel_logout(b.clone()),
            None => built,
        }
    }

    /// Signs users out everywhere; denylist entries last as long as an access token can.
    pub fn sign_out_everywhere(&self) -> SignOutEverywhere {
        let built = SignOutEverywhere::new(
            self.db.sessions(),
            self.db.authorization_codes(),
            self.db.refresh_tokens(),
            self.db.revocations(),
            self.clock.clone(),
            self.access_token_reach(),
        );
        match self.backchannel.get() {
            Some(b) => built.with_backchannel_logout(b.clone()),
            None => built,
        }
    }

    /// How long after issue an access token may still be accepted: its lifetime plus the
    /// clock skew allowed.
    pub fn access_token_reach(&self) -> i64 {
        self.settings.lifetimes.access_token + self.settings.lifetimes.clock_skew
    }

    /// Starts the mail queue the configuration asks for (must run inside the runtime).
    pub fn mail_queue(config: &Config) -> Result<MailQueue, WiringError> {
        start_mail_queue(config.mail.queue_settings()).map_err(|e| WiringError::Mail(e.into()))
    }

    /// The key service; needs the secret key, so it is built only by commands that use keys.
    pub fn key_service(&self, config: &Config) -> Result<KeyService, WiringError> {
        Ok(self.key_service_with(&secret_key::resolve(config)?))
    }

    /// The key service for an already resolved secret key (start-up resolves it once).
    pub fn key_service_with(&self, secret: &secrecy::SecretString) -> KeyService {
        KeyService::new(
            self.db.signing_keys(),
            Arc::new(KeyPairGenerator),
            Arc::new(AeadKeyCipher::from_secret(
                secret,
                CipherPurpose::SigningKeys,
            )),
            self.jws.clone(),
            self.clock.clone(),
            self.rng.clone(),
            self.settings.clone(),
        )
        .with_publish_lead(self.key_publish_lead_secs)
    }
}
