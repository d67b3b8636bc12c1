//! `tessera serve`: wires the server per area (see [`crate::wiring`]) and runs it on a
//! listener it binds itself or is handed, so tests can bind port 0 and learn the real port.

use crate::config::Config;
use crate::wiring::accounts::{AccountInputs, AccountServices};
use crate::wiring::admin::{admin_api, AdminInputs};
use crate::wiring::backchannel::{self, BackchannelWorker};
use crate::wiring::oauth::{signing_keys, OAuthInputs, OAuthServices, Tokens};
use crate::wiring::operations::{Housekeeper, Operations};
use crate::wiring::{Core, WiringError};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use secrecy::SecretString;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::AuditWriter;
use tessera_adapters::http::{
    self, AccountState, AdminState, BrowserFlowState, BrowserSettings, CsrfGuard, DeviceCookies,
    Discovery, HttpState, MetricsSources, OperationsState, RateLimiter, Readiness, TokenEndpoints,
};
use tessera_adapters::mail::MailQueue;
use tessera_adapters::observability::otel::{self, Tracing, TracingPipeline};
use tessera_adapters::observability::RequestObserver;
use tessera_application::services::{
    AccountSessions, BackchannelLogout, KeyService, SignIn, TokenEndpoint,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Wiring failed.
    #[error(transparent)]
    Wiring(#[from] WiringError),
    /// The OpenTelemetry exporter could not be set up.
    #[error("cannot set up tracing (otel.endpoint): {0}")]
    Tracing(#[from] otel::TracingError),
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
    local_addr: SocketAddr,
    server: Server,
    readiness: Arc<Readiness>,
    keys: Arc<KeyService>,
    refresh_every: Duration,
    mailer: Arc<MailQueue>,
    /// The audit log's background writer, flushed on shutdown.
    audit: Arc<AuditWriter>,
    housekeeper: Option<Housekeeper>,
    /// Delivers back-channel logout tokens until shutdown.
    backchannel: BackchannelWorker,
    /// Closed last, once the writers above have flushed.
    db: tessera_adapters::persistence::Database,
    /// The span exporter (`otel.endpoint`), flushed once the server has stopped.
    tracing: Option<TracingPipeline>,
}

/// Everything the HTTP layer is built from.
struct Parts {
    core: Core,
    secret: SecretString,
    keys: Arc<KeyService>,
    operations: Operations,
    limiter: Arc<RateLimiter>,
    oauth: OAuthServices,
    accounts: AccountServices,
    admin: Arc<AdminState>,
    backchannel: Arc<BackchannelLogout>,
}

impl Application {
    /// Opens the database, creates the first signing key if needed, loads the keys and binds
    /// `bind` (once everything else is ready, so a port that answers is a server that works).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        Self::build_with(config, None).await
    }

    /// As [`Self::build`], on a listener the caller has bound already (tests bind
    /// `127.0.0.1:0` first to learn the port, and set the issuer from it).
    pub async fn build_on(config: &Config, listener: TcpListener) -> Result<Self, StartupError> {
        Self::build_with(config, Some(listener)).await
    }

    async fn build_with(
        config: &Config,
        listener: Option<TcpListener>,
    ) -> Result<Self, StartupError> {
        let parts = Parts::wire(config).await?;
        // Off (no endpoint): nothing is built, the observer opens no spans.
        let (tracing, pipeline) = match config.otel.settings() {
            Some(settings) => {
                let (tracing, pipeline) = otel::install(&settings)?;
                log::info!(
                    "tracing: spans go to {}",
                    otel::traces_url(&settings.endpoint)?
                );
                (Some(tracing), Some(pipeline))
            }
            None => (None, None),
        };
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind(config.http.bind).map_err(|source| StartupError::Bind {
                addr: config.http.bind.to_string(),
                source,
            })?,
        };
        let local_addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.http.bind.to_string(),
            source,
        })?;
        let housekeeper = parts.operations.housekeeper(
            &parts.core,
            config.housekeeping,
            config.client_registration.unused_client_ttl,
        );
        let backchannel = BackchannelWorker::new(parts.backchannel.clone());
        let readiness = parts.operations.readiness.clone();
        let audit = parts.operations.audit_writer.clone();
        let keys = parts.keys.clone();
        let mailer = parts.accounts.mailer.clone();
        let db = parts.core.db.clone();
        let server =
            serve(config, parts, listener, tracing).map_err(|source| StartupError::Bind {
                addr: local_addr.to_string(),
                source,
            })?;
        Ok(Self {
            local_addr,
            server,
            readiness,
            keys,
            refresh_every: config.keys.refresh_every,
            mailer,
            audit,
            housekeeper,
            backchannel,
            db,
            tracing: pipeline,
        })
    }

    /// The address actually bound (with the real port when the configuration said 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
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
        let backchannel = self.backchannel.start();
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
        // A send under way finishes (or its row is retried after its lease, by the next run).
        backchannel.stop(Duration::from_secs(5)).await;
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
        // The spans of the last requests (and of the drain) reach the collector, within the
        // exporter's own time limit.
        if let Some(tracing) = self.tracing {
            tracing.shutdown().await;
        }
        result
    }
}

impl Parts {
    /// Wires every area, in the order their dependencies ask for.
    async fn wire(config: &Config) -> Result<Self, WiringError> {
        let core = Core::open(config).await?;
        let secret = crate::secret_key::resolve(config)?;
        let keys = signing_keys(&core, &secret).await?;
        let operations = Operations::start(&core);
        let backchannel = backchannel::install(&core, config, operations.audit.clone())?;
        let tokens = Tokens::new(&core);
        let limiter = crate::wiring::rate_limit::limiter(config).await?;
        let accounts = AccountServices::new(
            &core,
            AccountInputs {
                config,
                tokens: &tokens,
                audit: operations.audit.clone(),
                limiter: limiter.clone(),
                secret: &secret,
            },
        )
        .await?;
        let admin = admin_api(
            &core,
            AdminInputs {
                config,
                keys: keys.clone(),
                email_links: accounts.email_links.clone(),
                second_factors: accounts.second_factors.clone(),
                audit: operations.audit.clone(),
                limiter: limiter.clone(),
                secret: &secret,
            },
        );
        let oauth = OAuthServices::new(
            &core,
            OAuthInputs {
                config,
                secret: &secret,
                tokens: &tokens,
                audit: operations.audit.clone(),
                passkeys: config.accounts.mfa.asks()
                    && accounts.second_factors.passkeys_available(),
            },
        );
        Ok(Self {
            core,
            secret,
            keys,
            operations,
            limiter,
            oauth,
            accounts,
            admin,
            backchannel,
        })
    }

    /// The adapters' request state.
    fn http_state(self, config: &Config) -> HttpState {
        let Self {
            core,
            secret,
            keys,
            operations,
            limiter,
            oauth,
            accounts,
            admin,
            backchannel: _,
        } = self;
        let issuer = config.http.issuer.as_str();
        let sign_in = Arc::new(
            SignIn::new(
                accounts.accounts.clone(),
                accounts.account_api.clone(),
                operations.audit.clone(),
            )
            .with_second_factors(accounts.second_factors.clone(), config.accounts.mfa),
        );
        let passkeys = config.accounts.mfa.asks() && accounts.second_factors.passkeys_available();
        let dpop_algorithms = oauth.dpop.algorithms();
        let tokens = Arc::new(TokenEndpoint {
            client_credentials: oauth.client_credentials,
            code_grant: oauth.code_grant,
            refresh_grant: oauth.refresh_grant,
            revocation: oauth.revocation,
            token_exchange: oauth.token_exchange,
            device_grant: oauth.device.clone(),
            audit: operations.audit.clone(),
            dpop: oauth.dpop.clone(),
            token_url: format!("{}{}", issuer.trim_end_matches('/'), http::paths::TOKEN),
        });
        // Cookie settings of every page: the login and consent pages and the emailed links'.
        let browser =
            BrowserSettings::new(issuer, crate::wiring::whole_secs(config.accounts.session));
        let browser_flow = web::Data::new(BrowserFlowState {
            authorize: oauth.authorize,
            sign_in: sign_in.clone(),
            sessions: accounts.accounts,
            logout: oauth.logout,
            auth_tx: http::AuthTransactions::from_secret(&secret),
            pushed_marks: http::PushedMarks::from_secret(&secret),
            devices: DeviceCookies::new(&secret, issuer),
            browser: browser.clone(),
            csrf: CsrfGuard::from_secret(&secret),
            limiter: limiter.clone(),
            rng: core.rng.clone(),
            clock: core.clock.clone(),
            metrics: operations.metrics.clone(),
            passkeys,
        });
        let registration = crate::wiring::registration::state(
            &core,
            &config.client_registration,
            issuer,
            operations.audit.clone(),
            limiter.clone(),
        );
        let token_endpoints = web::Data::new(TokenEndpoints {
            authenticator: Arc::new(oauth.authenticator),
            grants: Arc::new(http::registration::FirstUseRecorder::new(
                tokens.clone(),
                core.db.clients(),
            )),
            introspection: Arc::new(oauth.introspection),
            revocation: tokens,
            limiter: limiter.clone(),
            clock: core.clock.clone(),
            metrics: operations.metrics.clone(),
        });
        let account_sessions = Arc::new(AccountSessions::new(
            core.db.users(),
            core.db.sessions(),
            core.db.consents(),
            core.db.clients(),
            Arc::new(core.sign_out_everywhere()),
            operations.audit.clone(),
        ));
        let account_state = web::Data::new(AccountState {
            sign_in,
            account_sessions,
            account_api: accounts.account_api,
            account_settings: accounts.account_settings,
            second_factors: accounts.second_factors,
            email_links: accounts.email_links,
            browser,
            csrf: CsrfGuard::from_secret(&secret),
            rng: core.rng.clone(),
            limiter,
            clock: core.clock.clone(),
            metrics: operations.metrics.clone(),
        });
        let operations_state = web::Data::new(OperationsState {
            jws: core.jws.clone(),
            readiness: operations.readiness,
            discovery: {
                let discovery = Discovery::new(issuer)
                    .with_pushed_authorization_requests(issuer, config.hardening.par_required)
                    .with_profile(config.hardening.profile)
                    .with_dpop_algorithms(dpop_algorithms)
                    .with_request_objects(request_object_algs(config.hardening.profile));
                if registration.is_some() {
                    discovery.with_registration_endpoint(issuer)
                } else {
                    discovery
                }
            },
            metrics: operations.metrics,
            metrics_sources: MetricsSources::new(core.db.clone(), keys, core.clock.clone()),
            api_docs: http::ApiDocs::new(issuer, config.http.docs),
        });
        let console =
            crate::wiring::console::console(&core, &secret, issuer, operations.audit.clone());
        HttpState {
            console,
            accounts: account_state,
            operations: operations_state,
            browser_flow,
            token_endpoints,
            userinfo: Arc::new(oauth.userinfo),
            admin,
            device: web::Data::from(oauth.device),
            par: web::Data::from(oauth.pushed),
            registration,
            people: web::Data::new(http::people::PeopleSettings {
                self_service: config.accounts.self_service,
                require_verified_email: config.accounts.require_verified_email,
            }),
        }
    }
}

/// Starts the HTTP server on `listener`.
fn serve(
    config: &Config,
    parts: Parts,
    listener: TcpListener,
    tracing: Option<Tracing>,
) -> std::io::Result<Server> {
    let observed = parts.operations.metrics.clone();
    let request_ids = parts.operations.request_ids.clone();
    let state = web::Data::new(parts.http_state(config));
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
            // Outermost: request id, metrics and the access log (path only, never the
            // query string) see every answer.
            .wrap(
                RequestObserver::new(observed.clone(), request_ids.clone())
                    .with_tracing(tracing.clone()),
            )
            .configure(http::configure(state.clone()))
    })
    .disable_signals()
    .shutdown_timeout(config.http.shutdown_timeout.as_secs())
    .client_request_timeout(Duration::from_secs(10));
    if let Some(w) = config.http.workers {
        server = server.workers(w.get());
    }
    Ok(server.listen(listener)?.run())
}

/// The request-object algorithms discovery lists under the server's profile.
fn request_object_algs(profile: tessera_domain::SecurityProfile) -> &'static [&'static str] {
    match profile {
        tessera_domain::SecurityProfile::Fapi2 => {
            &tessera_application::services::FAPI2_REQUEST_OBJECT_ALGS
        }
        tessera_domain::SecurityProfile::Standard => {
            &tessera_application::services::REQUEST_OBJECT_ALGS
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
