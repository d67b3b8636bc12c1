//! `tessera serve`: builds the HTTP server on a listener it binds itself, so tests can ask for
//! port 0 and learn the real port.

use crate::config::Config;
use crate::wiring::{Core, WiringError};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::http::{
    self, BrowserSettings, CsrfGuard, Discovery, HttpState, RateLimitSettings, RateLimiter,
    Readiness,
};
use tessera_adapters::mail::MailQueue;
use tessera_application::services::{
    AccessTokenVerifier, AccountApi, AccountSettings, AuthorizationCodeGrant, Authorize,
    ClientAuthenticator, ClientCredentialsGrant, EmailLinks, Introspection, KeyService, Logout,
    RefreshTokenGrant, TokenRevocation, UserInfo, UserTokenIssuer,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Wiring failed.
    #[error(transparent)]
    Wiring(#[from] WiringError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    readiness: Arc<Readiness>,
    keys: Arc<KeyService>,
    refresh_every: Duration,
    mailer: Arc<MailQueue>,
}

impl Application {
    /// Opens the database, creates the first signing key if needed, loads the keys and binds.
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let core = Core::open(config).await?;
        let secret = crate::secret_key::resolve(config).map_err(WiringError::from)?;
        let keys = Arc::new(core.key_service_with(&secret));
        let created = keys
            .ensure_active(core.signing_alg)
            .await
            .map_err(|e| WiringError::Keys(e.to_string()))?;
        if created {
            log::info!("created the first {} signing key", core.signing_alg);
        }
        keys.load()
            .await
            .map_err(|e| WiringError::Keys(e.to_string()))?;

        let verifier = Arc::new(AccessTokenVerifier::new(
            core.jws.clone(),
            core.db.revocations(),
            core.clock.clone(),
            core.settings.clone(),
        ));
        let readiness = Arc::new(Readiness::new(core.db.clone(), core.jws.clone()));
        let issuer = Arc::new(UserTokenIssuer::new(
            core.jws.clone(),
            core.db.refresh_tokens(),
            core.clock.clone(),
            core.rng.clone(),
            core.settings.clone(),
        ));
        let db = &core.db;
        let hasher = Core::password_hasher(config)?;
        let accounts = Arc::new(core.accounts_with(config, hasher.clone()));
        let policy = Core::password_policy(config);
        let mailer = Arc::new(Core::mail_queue(config)?);
        if config.mail.transport == crate::config::MailTransport::File
            && config.environment == crate::config::Environment::Production
        {
            log::warn!(
                "mail.transport is \"file\": verification and reset mail is written to {} and \
                 not delivered",
                config.mail.outbox_dir.display()
            );
        }
        let sign_out = Arc::new(core.sign_out_everywhere());
        let email_links = Arc::new(EmailLinks::new(
            db.users(),
            db.email_tokens(),
            mailer.clone(),
            hasher.clone(),
            sign_out.clone(),
            core.clock.clone(),
            core.rng.clone(),
            policy,
            &config.issuer,
        ));
        let account_settings = AccountSettings::new(
            accounts.clone(),
            db.users(),
            db.email_tokens(),
            hasher,
            sign_out,
            policy,
        );
        let account_api = AccountApi::new(
            accounts.clone(),
            issuer.clone(),
            verifier.clone(),
            db.users(),
            db.clients(),
            core.clock.clone(),
            core.rng.clone(),
            email_links.clone(),
        );
        account_api
            .ensure_client()
            .await
            .map_err(|e| WiringError::Database(e.to_string()))?;
        let state = web::Data::new(HttpState {
            authorize: Authorize::new(
                db.clients(),
                db.users(),
                db.consents(),
                db.authorization_codes(),
                core.clock.clone(),
                core.rng.clone(),
                core.settings.clone(),
            ),
            account_api,
            account_settings,
            email_links,
            accounts,
            code_grant: AuthorizationCodeGrant::new(
                db.authorization_codes(),
                db.users(),
                db.refresh_tokens(),
                db.revocations(),
                issuer.clone(),
                core.clock.clone(),
            ),
            refresh_grant: RefreshTokenGrant::new(
                db.refresh_tokens(),
                db.revocations(),
                db.users(),
                issuer,
                core.clock.clone(),
                // replays within the window are kept encrypted under secret_key.
                (config.refresh_token_grace_secs > 0).then(|| {
                    tessera_application::services::RefreshGrace {
                        window_secs: config.refresh_token_grace_secs,
                        cipher: Arc::new(tessera_adapters::crypto::AeadKeyCipher::from_secret(
                            &secret,
                        )),
                    }
                }),
            ),
            userinfo: UserInfo::new(verifier.clone(), db.users()),
            logout: Logout::new(
                core.jws.clone(),
                db.clients(),
                core.clock.clone(),
                core.settings.clone(),
            ),
            browser: BrowserSettings::new(&config.issuer, config.session_ttl_secs),
            csrf: CsrfGuard::from_secret(&secret),
            rng: core.rng.clone(),
            limiter: RateLimiter::new(RateLimitSettings {
                enabled: config.rate_limit.enabled,
                burst: config.rate_limit.burst,
                per_second: config.rate_limit.per_second,
                trust_forwarded_for: config.rate_limit.trust_forwarded_for,
                ..RateLimitSettings::default()
            }),
            authenticator: ClientAuthenticator::new(core.db.clients()),
            client_credentials: ClientCredentialsGrant::new(
                core.jws.clone(),
                core.clock.clone(),
                core.rng.clone(),
                core.settings.clone(),
            ),
            introspection: Introspection::new(
                verifier.clone(),
                core.db.refresh_tokens(),
                core.clock.clone(),
            ),
            revocation: TokenRevocation::new(verifier, core.db.revocations()),
            jws: core.jws.clone(),
            readiness: readiness.clone(),
            discovery: Discovery::new(&config.issuer),
        });

        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            addr: config.bind.clone(),
            source,
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let mut server = HttpServer::new(move || {
            App::new()
                // %U is the path without the query string: no parameter value reaches the log.
                .wrap(
                    middleware::Logger::new("%a \"%{METHOD}xi %U\" %s %b %Dms")
                        .custom_request_replace("METHOD", |req| req.method().to_string()),
                )
                .wrap(middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .configure(http::configure(state.clone()))
        })
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(10));
        if let Some(w) = config.workers {
            server = server.workers(w);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                addr: config.bind.clone(),
                source,
            })?
            .run();
        Ok(Self {
            port,
            server,
            readiness,
            keys,
            refresh_every: Duration::from_secs(config.key_refresh_secs),
            mailer,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until stopped by [`Self::handle`] or, with `handle_signals`, SIGTERM/SIGINT:
    /// readiness turns 503 at once, in-flight requests finish within the grace period.
    pub async fn run_until_stopped(self, handle_signals: bool) -> std::io::Result<()> {
        let handle = self.server.handle();
        let keys = self.keys.clone();
        let every = self.refresh_every;
        let refresher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = keys.load().await {
                    log::warn!("could not refresh signing keys: {e}");
                }
            }
        });
        let signals = handle_signals.then(|| {
            let readiness = self.readiness.clone();
            let handle = handle.clone();
            tokio::spawn(async move {
                wait_for_shutdown_signal().await;
                log::info!("shutdown signal received: draining in-flight requests");
                readiness.begin_shutdown();
                handle.stop(true).await;
            })
        });
        let result = self.server.await;
        // Messages accepted before the stop still go out (or to failed/), within a bound.
        self.mailer.shutdown(Duration::from_secs(5)).await;
        refresher.abort();
        if let Some(s) = signals {
            s.abort();
        }
        result
    }
}

async fn wait_for_shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            log::warn!("cannot listen for SIGTERM ({e}); only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
