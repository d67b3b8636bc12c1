//! `tessera serve`: builds the HTTP server on a listener it binds itself, so tests can ask for
//! port 0 and learn the real port.

use crate::config::Config;
use crate::wiring::{Core, WiringError};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::{start_audit_writer, AuditWriter};
use tessera_adapters::http::MetricsSources;
use tessera_adapters::http::{
    self, BrowserSettings, CsrfGuard, DeviceCookies, Discovery, HttpState, RateLimiter, Readiness,
};
use tessera_adapters::http::{AdminApi, AdminAuth};
use tessera_adapters::mail::MailQueue;
use tessera_adapters::observability::MeteredAuditLog;
use tessera_adapters::observability::{Metrics, RequestIds, RequestObserver};
use tessera_application::ports::AuditLog;
use tessera_application::ports::Clock;
use tessera_application::services::admin::{
    AdminApiKeys, AdminAudit, AdminClients, AdminKeys, AdminUsers,
};
use tessera_application::services::{
    AccessTokenVerifier, AccountApi, AccountSettings, AuthorizationCodeGrant, Authorize,
    ClientAuthenticator, ClientCredentialsGrant, EmailLinks, Introspection, KeyService, Logout,
    RefreshTokenGrant, TokenRevocation, UserInfo, UserTokenIssuer,
};
use tessera_application::services::{ApiKeys, Housekeeping};

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
    /// The audit log's background writer, flushed on shutdown.
    audit: Arc<AuditWriter>,
    housekeeper: Option<Housekeeper>,
    /// Closed last, once the writers above have flushed.
    db: tessera_adapters::persistence::Database,
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
        let metrics = Arc::new(Metrics::new(&http::known_routes()));
        // Every security event goes through one sink: the audit table (batched, in the
        // background), the log, and the counters only events can tell (lockouts).
        let audit = Arc::new(start_audit_writer(core.db.audit(), 10_000));
        let audit_log: Arc<dyn AuditLog> =
            Arc::new(MeteredAuditLog::new(audit.clone(), metrics.clone()));
        let accounts = Arc::new(
            core.accounts_with(config, hasher.clone())
                .with_audit(audit_log.clone()),
        );
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
        let limiter = Arc::new(RateLimiter::new(
            config.rate_limit.settings(config.lockout_threshold),
        ));
        let email_links = Arc::new(
            EmailLinks::new(
                db.users(),
                db.email_tokens(),
                mailer.clone(),
                hasher.clone(),
                sign_out.clone(),
                core.clock.clone(),
                core.rng.clone(),
                policy,
                &config.issuer,
            )
            .with_mail_budget(limiter.clone()),
        );
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
        // The admin API: the same services as the CLI, every change in the audit log.
        let api_keys = Arc::new(ApiKeys::new(
            db.api_keys(),
            core.clock.clone(),
            core.rng.clone(),
        ));
        let admin = AdminApi {
            clients: AdminClients::new(
                db.clients(),
                core.clock.clone(),
                core.rng.clone(),
                audit_log.clone(),
            ),
            users: AdminUsers::new(
                db.users(),
                db.consents(),
                Arc::new(core.sign_out_everywhere()),
                email_links.clone(),
                core.clock.clone(),
                audit_log.clone(),
            ),
            keys: AdminKeys::new(keys.clone(), core.clock.clone(), audit_log.clone()),
            api_keys: AdminApiKeys::new(api_keys.clone(), core.clock.clone(), audit_log.clone()),
            audit: AdminAudit::new(db.audit()),
            auth: AdminAuth::new(
                config.admin_token.as_ref(),
                api_keys,
                audit_log.clone(),
                core.clock.clone(),
            ),
            default_alg: core.signing_alg,
        };
        let request_ids = Arc::new(RequestIds::new(core.rng.as_ref()));
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
                // replays within the window are kept encrypted under their own key from
                // secret_key.
                (config.refresh_token_grace_secs > 0).then(|| {
                    tessera_application::services::RefreshGrace {
                        window_secs: config.refresh_token_grace_secs,
                        cipher: Arc::new(tessera_adapters::crypto::AeadKeyCipher::from_secret(
                            &secret,
                            tessera_adapters::crypto::CipherPurpose::RefreshReplay,
                        )),
                    }
                }),
            )
            .with_audit(audit_log.clone()),
            userinfo: Arc::new(UserInfo::new(verifier.clone(), db.users())),
            logout: Logout::new(
                core.jws.clone(),
                db.clients(),
                core.clock.clone(),
                core.settings.clone(),
            ),
            browser: BrowserSettings::new(&config.issuer, config.session_ttl_secs),
            csrf: CsrfGuard::from_secret(&secret),
            auth_tx: http::AuthTransactions::from_secret(&secret),
            rng: core.rng.clone(),
            limiter: limiter.clone(),
            devices: DeviceCookies::new(&secret, &config.issuer),
            clock: core.clock.clone(),
            admin,
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
                core.db.users(),
                core.db.revocations(),
                core.clock.clone(),
            ),
            revocation: TokenRevocation::new(verifier, core.db.revocations()),
            jws: core.jws.clone(),
            readiness: readiness.clone(),
            metrics: metrics.clone(),
            audit: audit_log,
            metrics_sources: MetricsSources::new(core.db.clone(), keys.clone(), core.clock.clone()),
            discovery: Discovery::new(&config.issuer),
            api_docs: http::ApiDocs::new(&config.issuer, config.docs_enabled()),
        });

        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            addr: config.bind.clone(),
            source,
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let observed = metrics.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                // Outermost: request id, metrics and the access log (path only, never the
                // query string) see every answer.
                .wrap(RequestObserver::new(observed.clone(), request_ids.clone()))
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
        let housekeeper = (config.housekeeping_interval_secs > 0).then(|| Housekeeper {
            service: Housekeeping::new(
                core.db.housekeeping(
                    core.settings.lifetimes.access_token + core.settings.lifetimes.clock_skew,
                ),
                config.housekeeping_batch,
            ),
            every: Duration::from_secs(config.housekeeping_interval_secs),
            clock: core.clock.clone(),
            metrics: metrics.clone(),
        });
        Ok(Self {
            port,
            server,
            readiness,
            keys,
            refresh_every: Duration::from_secs(config.key_refresh_secs),
            mailer,
            audit,
            housekeeper,
            db: core.db.clone(),
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
        let housekeeper = self.housekeeper.map(|h| tokio::spawn(h.run()));
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
        // Events recorded before the stop are written, within a bound.
        self.audit.shutdown(Duration::from_secs(5)).await;
        refresher.abort();
        if let Some(h) = housekeeper {
            h.abort();
        }
        if let Some(s) = signals {
            s.abort();
        }
        self.db.close();
        result
    }
}

/// The background deletion of expired rows: one run per interval, the first one interval
/// after start (so it never races what a just-started process or its tests set up).
struct Housekeeper {
    service: Housekeeping,
    every: Duration,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl Housekeeper {
    /// Runs forever (until aborted); a failed run is logged and retried next interval.
    async fn run(self) {
        let mut tick = tokio::time::interval(self.every);
        // A run longer than the interval delays the next rather than bunching runs up.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match self.service.run_once(self.clock.now()).await {
                Ok(report) => {
                    for (kind, n) in &report.deleted {
                        if *n > 0 {
                            self.metrics.housekeeping_deleted(kind.as_str(), *n);
                        }
                    }
                    if report.total() > 0 {
                        log::info!(
                            "housekeeping deleted {} expired rows in {:?}{}: {}",
                            report.total(),
                            report.elapsed,
                            if report.budget_spent {
                                " (time budget spent; the rest next run)"
                            } else {
                                ""
                            },
                            report.summary()
                        );
                    }
                }
                Err(e) => log::warn!("housekeeping failed (retried next interval): {e}"),
            }
        }
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
