//! Builds the adapters and services from the configuration: the one place that knows which
//! implementation stands behind each port.

use crate::config::{Config, MailTransport, SmtpTlsMode};
use crate::secret_key;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::crypto::{
    AeadKeyCipher, Argon2Hasher, Argon2Settings, CipherPurpose, JosekitEngine, KeyPairGenerator,
    OsRandom, SystemClock,
};
use tessera_adapters::mail::{
    start_mail_queue, MailQueue, MailSettings, MailTransportSettings, SmtpTls,
};
use tessera_adapters::persistence::{Database, PoolOptions};
use tessera_application::ports::{Clock, JwsEngine, PasswordHasher, RandomSource};
use tessera_application::services::{Accounts, ClientRegistry, KeyService, SignOutEverywhere};
use tessera_application::IssuerSettings;
use tessera_domain::{PasswordPolicy, SigningAlgorithm};

/// A failure while wiring: every variant's message is fit for an operator and holds no secret.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(String),
    /// The secret key could not be had.
    #[error(transparent)]
    SecretKey(#[from] secret_key::SecretKeyError),
    /// Keys could not be created or loaded.
    #[error("signing keys: {0}")]
    Keys(String),
    /// The password hasher could not be built.
    #[error("password hasher: {0}")]
    Hasher(String),
    /// The mailer could not be started.
    #[error("mail: {0}")]
    Mail(String),
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
}

impl Core {
    /// Opens the database and applies pending migrations.
    pub async fn open(config: &Config) -> Result<Self, WiringError> {
        let opts = PoolOptions {
            max_size: config.database_pool_size,
            wait_timeout: Duration::from_millis(config.database_timeout_ms),
            connect_timeout: Duration::from_millis(config.database_timeout_ms),
            statement_timeout: Duration::from_millis(config.database_timeout_ms),
            client_cache_ttl: Duration::from_millis(config.client_cache_ttl_ms),
        };
        let db = Database::connect(config.database_url.expose_secret(), opts)
            .await
            .map_err(|e| WiringError::Database(e.to_string()))?;
        let applied = db
            .migrate()
            .await
            .map_err(|e| WiringError::Database(e.to_string()))?;
        if !applied.is_empty() {
            log::info!("applied migrations: {}", applied.join(", "));
        }
        let mut settings = IssuerSettings::new(config.issuer.clone());
        settings.lifetimes.access_token = config.access_token_ttl_secs;
        settings.lifetimes.authorization_code = config.authorization_code_ttl_secs;
        settings.lifetimes.refresh_idle = config.refresh_token_idle_secs;
        settings.lifetimes.refresh_absolute = config.refresh_token_absolute_secs;
        let signing_alg = SigningAlgorithm::parse(&config.signing_alg)
            .map_err(|e| WiringError::Keys(e.to_string()))?;
        Ok(Self {
            db,
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRandom),
            jws: Arc::new(JosekitEngine::new()),
            settings,
            signing_alg,
            key_publish_lead_secs: i64::from(tessera_adapters::http::JWKS_MAX_AGE_SECS)
                .saturating_add(i64::try_from(config.key_refresh_secs).unwrap_or(i64::MAX)),
        })
    }

    /// The client registration service.
    pub fn client_registry(&self) -> ClientRegistry {
        ClientRegistry::new(self.db.clients(), self.clock.clone(), self.rng.clone())
    }

    /// The argon2id hasher with the configured parameters.
    pub fn password_hasher(config: &Config) -> Result<Arc<dyn PasswordHasher>, WiringError> {
        let settings = Argon2Settings {
            memory_kib: config.argon2_memory_kib,
            iterations: config.argon2_iterations,
            parallelism: config.argon2_parallelism,
            ..Argon2Settings::default()
        };
        Ok(Arc::new(
            Argon2Hasher::new(settings).map_err(|e| WiringError::Hasher(e.to_string()))?,
        ))
    }

    /// Sign-in and account creation.
    pub fn accounts(&self, config: &Config) -> Result<Accounts, WiringError> {
        Ok(self.accounts_with(config, Self::password_hasher(config)?))
    }

    /// Sign-in and account creation on a given hasher (the server shares one, so its bound on
    /// concurrent hashes holds for every use case, R-08).
    pub fn accounts_with(&self, config: &Config, hasher: Arc<dyn PasswordHasher>) -> Accounts {
        Accounts::new(
            self.db.users(),
            self.db.sessions(),
            hasher,
            self.clock.clone(),
            self.rng.clone(),
            Self::password_policy(config),
            config.session_ttl_secs,
            config.lockout_policy(),
        )
    }

    /// The password rules of this configuration.
    pub fn password_policy(config: &Config) -> PasswordPolicy {
        PasswordPolicy {
            min_chars: config.password_min_length,
            ..PasswordPolicy::default()
        }
    }

    /// Signs users out everywhere; denylist entries last as long as an access token can.
    pub fn sign_out_everywhere(&self) -> SignOutEverywhere {
        SignOutEverywhere::new(
            self.db.sessions(),
            self.db.authorization_codes(),
            self.db.refresh_tokens(),
            self.db.revocations(),
            self.clock.clone(),
            self.settings.lifetimes.access_token + self.settings.lifetimes.clock_skew,
        )
    }

    /// Starts the mail queue the configuration asks for (must run inside the runtime).
    pub fn mail_queue(config: &Config) -> Result<MailQueue, WiringError> {
        let m = &config.mail;
        let transport = match m.transport {
            MailTransport::File => MailTransportSettings::File {
                dir: m.outbox_dir.clone(),
            },
            MailTransport::Smtp => MailTransportSettings::Smtp {
                host: m.smtp_host.clone().unwrap_or_default(),
                port: m.smtp_port,
                tls: match m.smtp_tls {
                    SmtpTlsMode::None => SmtpTls::None,
                    SmtpTlsMode::Starttls => SmtpTls::StartTls,
                    SmtpTlsMode::Tls => SmtpTls::Tls,
                },
                username: m.smtp_username.clone(),
                password: m.smtp_password.clone(),
                timeout: Duration::from_secs(m.smtp_timeout_secs),
            },
        };
        start_mail_queue(MailSettings {
            from: m.from.clone(),
            transport,
            queue_capacity: m.queue_capacity,
            max_attempts: m.max_attempts,
            retry_base: Duration::from_millis(m.retry_base_ms),
            dead_letter_dir: m.outbox_dir.join("failed"),
        })
        .map_err(|e| WiringError::Mail(e.to_string()))
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
