use std::sync::Arc;
use std::time::Duration;

use diesel_async::RunQueryDsl;
use tessera_application::ports::{
    AuditRepository, AuthorizationCodeRepository, ChallengeRepository, ClientRepository,
    ConsentRepository, EmailTokenRepository, HousekeepingRepository, PasskeyRepository,
    RefreshTokenRepository, RevocationRepository, SecondFactorRepository, SessionRepository,
    SigningKeyRepository, UserRepository,
};
use tessera_application::RepositoryError;
use tessera_domain::UnixTime;

use super::database_url::parse_url;
use super::housekeeping::DieselHousekeeping;
use super::pool::{postgres_pool, sqlite_pool};
use super::*;

/// How long a client row is reused on PostgreSQL at most, when the change feed is live (it
/// drops the row at once when it changes; this bounds what a missed notification could cost).
const POSTGRES_CLIENT_CACHE_TTL: Duration = Duration::from_secs(60);

/// The handle to the database: a connection pool and the repositories built on it. Cheap to
/// clone; every clone shares the pool.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is left out on purpose: it may carry a password.
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .field("pool_status", &self.pool_status())
            .finish()
    }
}

impl Database {
    /// Opens a pool on `sqlite://relative/path.db`, `sqlite:///abs/path.db` (the file and its
    /// directory are created if missing) or `postgres://…` / `postgresql://…`; anything else is
    /// [`DatabaseError::UnsupportedUrl`]. PostgreSQL is connected lazily, so a server that is
    /// down yields `Unavailable` from the repositories rather than a failed start.
    pub async fn connect(url: &str, opts: PoolOptions) -> Result<Database, DatabaseError> {
        let redactor = Redactor::for_url(url);
        let target = parse_url(url, &redactor)?;
        let deadline = opts
            .wait_timeout
            .max(opts.connect_timeout)
            .max(opts.statement_timeout);
        let pool = match &target {
            Target::Sqlite(path) => {
                sqlite_file::prepare(path)?;
                Pools::Sqlite(sqlite_pool(path, &opts)?)
            }
            Target::Postgres(config) => Pools::Postgres(postgres_pool(config, &opts)?),
        };
        let (inline, client_cache, change_feed) = match &target {
            Target::Sqlite(path) => (
                Some(inline_reads::InlineReader::new(path)),
                Some(Arc::new(client_cache::ClientCache::new(
                    opts.client_cache_ttl,
                ))),
                None,
            ),
            Target::Postgres(_) => {
                // Exact through the change feed, so the TTL is only a backstop; a zero
                // `client_cache_ttl` still turns caching off.
                let ttl = if opts.client_cache_ttl.is_zero() {
                    Duration::ZERO
                } else {
                    POSTGRES_CLIENT_CACHE_TTL
                };
                let cache = Arc::new(client_cache::ClientCache::gated(ttl));
                let feed = Arc::new(change_feed::ChangeFeed::new(cache.clone()));
                (None, Some(cache), Some(feed))
            }
        };
        let inner = Arc::new(Inner {
            pool,
            target,
            redactor,
            opts,
            deadline,
            inline,
            client_cache,
            change_feed,
        });
        if let (Pools::Sqlite(pool), Target::Sqlite(path)) = (&inner.pool, &inner.target) {
            // Open one connection now: it creates the file and switches it to WAL, and a path
            // that cannot be opened fails at start-up rather than on the first request.
            // Detached like every SQLite operation (see `with_connection!`).
            let opening = tokio::spawn({
                let pool = pool.clone();
                async move { pool.get().await.map(drop) }
            });
            match tokio::time::timeout(deadline, opening).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Err(e)) => {
                    return Err(DatabaseError::Connect(format!(
                        "opening SQLite database {path} failed: {e}"
                    )))
                }
                Ok(Ok(Err(e))) => {
                    return Err(DatabaseError::Connect(format!(
                        "cannot open SQLite database {path}: {}",
                        inner.redactor.scrub(&e.to_string())
                    )))
                }
                Err(_) => {
                    return Err(DatabaseError::Connect(format!(
                        "timed out opening SQLite database {path}"
                    )))
                }
            }
        }
        Ok(Database { inner })
    }

    /// The engine behind this handle.
    pub fn backend(&self) -> Backend {
        match self.inner.pool {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the pending embedded migrations and returns the versions applied. Refuses a
    /// database that has migrations this build does not know ([`DatabaseError::SchemaTooNew`]).
    /// Each migration runs in a transaction; on PostgreSQL an advisory lock keeps two nodes
    /// starting together from migrating at once.
    pub async fn migrate(&self) -> Result<Vec<String>, DatabaseError> {
        match &self.inner.target {
            Target::Sqlite(path) => migrations::migrate_sqlite(path, &self.inner.redactor).await,
            Target::Postgres(config) => {
                migrations::migrate_postgres(config, &self.inner.opts, &self.inner.redactor).await
            }
        }
    }

    /// On PostgreSQL, starts listening for the changes other processes make (`change_feed`):
    /// while it listens, client rows and the revocation denylist are answered from memory and
    /// kept exact by notifications. Serving processes call it once; one-shot commands do not
    /// need it. Does nothing on SQLite.
    pub fn start_change_feed(&self) {
        if let (Some(feed), Target::Postgres(config)) =
            (&self.inner.change_feed, &self.inner.target)
        {
            change_feed::spawn(feed, (**config).clone());
        }
    }

    /// Whether the change feed is listening (client cache and denylist copy in use): tests
    /// and the readiness of operators' dashboards; always `false` on SQLite.
    pub fn change_feed_live(&self) -> bool {
        self.inner
            .change_feed
            .as_ref()
            .is_some_and(|feed| feed.is_live())
    }

    /// `SELECT 1` within the pool timeouts, for readiness probes.
    pub async fn ping(&self) -> Result<(), RepositoryError> {
        with_connection!(self.inner, |conn, db| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    /// The client repository on this database; on SQLite behind the process-wide client
    /// cache, which every handle shares, so a change through one is seen by all.
    pub fn clients(&self) -> Arc<dyn ClientRepository> {
        let rows = clients::DieselClientRepository::new(self.inner.clone());
        match &self.inner.client_cache {
            Some(cache) => Arc::new(client_cache::CachedClientRepository::new(
                rows,
                cache.clone(),
            )),
            None => Arc::new(rows),
        }
    }

    /// The signing-key repository on this database.
    pub fn signing_keys(&self) -> Arc<dyn SigningKeyRepository> {
        Arc::new(signing_keys::DieselSigningKeyRepository::new(
            self.inner.clone(),
        ))
    }

    /// The revocation denylist on this database.
    pub fn revocations(&self) -> Arc<dyn RevocationRepository> {
        Arc::new(revocations::DieselRevocationRepository::new(
            self.inner.clone(),
        ))
    }

    /// The user accounts on this database.
    pub fn users(&self) -> Arc<dyn UserRepository> {
        Arc::new(users::DieselUserRepository::new(self.inner.clone()))
    }

    /// The browser sessions on this database.
    pub fn sessions(&self) -> Arc<dyn SessionRepository> {
        Arc::new(sessions::DieselSessionRepository::new(self.inner.clone()))
    }

    /// The remembered consents on this database.
    pub fn consents(&self) -> Arc<dyn ConsentRepository> {
        Arc::new(consents::DieselConsentRepository::new(self.inner.clone()))
    }

    /// The authorization codes on this database; `consume` is one atomic statement.
    pub fn authorization_codes(&self) -> Arc<dyn AuthorizationCodeRepository> {
        Arc::new(codes::DieselAuthorizationCodeRepository::new(
            self.inner.clone(),
        ))
    }

    /// The refresh tokens on this database; `rotate` is one transaction.
    pub fn refresh_tokens(&self) -> Arc<dyn RefreshTokenRepository> {
        Arc::new(refresh_tokens::DieselRefreshTokenRepository::new(
            self.inner.clone(),
        ))
    }

    /// The tokens of emailed links on this database; `consume` is one atomic statement.
    pub fn email_tokens(&self) -> Arc<dyn EmailTokenRepository> {
        Arc::new(email_tokens::DieselEmailTokenRepository::new(
            self.inner.clone(),
        ))
    }

    /// TOTP enrolments and recovery codes on this database; a code's use is one atomic
    /// statement.
    pub fn second_factors(&self) -> Arc<dyn SecondFactorRepository> {
        Arc::new(second_factors::DieselSecondFactorRepository::new(
            self.inner.clone(),
        ))
    }

    /// The registered passkeys on this database.
    pub fn passkeys(&self) -> Arc<dyn PasskeyRepository> {
        Arc::new(passkeys::DieselPasskeyRepository::new(self.inner.clone()))
    }

    /// The pending second-factor and passkey ceremonies on this database; `take` is one
    /// atomic statement.
    pub fn challenges(&self) -> Arc<dyn ChallengeRepository> {
        Arc::new(challenges::DieselChallengeRepository::new(
            self.inner.clone(),
        ))
    }

    /// Single-use `jti`s of client assertions and DPoP proofs, shared by every process on
    /// this database.
    pub fn replay_cache(&self) -> Arc<dyn tessera_application::ports::ReplayCache> {
        Arc::new(replay::DieselReplayCache::new(self.inner.clone()))
    }

    /// Which clients got codes in which browser session (back-channel logout).
    pub fn session_clients(&self) -> Arc<dyn tessera_application::ports::SessionClientRepository> {
        Arc::new(session_clients::DieselSessionClientRepository::new(
            self.inner.clone(),
        ))
    }

    /// The durable queue of back-channel logout tokens.
    pub fn logout_deliveries(
        &self,
    ) -> Arc<dyn tessera_application::ports::LogoutDeliveryRepository> {
        Arc::new(logout_deliveries::DieselLogoutDeliveryRepository::new(
            self.inner.clone(),
        ))
    }

    /// Pushed authorization requests (RFC 9126); `take` is one atomic statement.
    pub fn pushed_requests(&self) -> Arc<dyn tessera_application::ports::PushedRequestRepository> {
        Arc::new(pushed_requests::DieselPushedRequestRepository::new(
            self.inner.clone(),
        ))
    }

    /// Device authorizations (RFC 8628).
    pub fn device_authorizations(
        &self,
    ) -> Arc<dyn tessera_application::ports::DeviceAuthorizationRepository> {
        Arc::new(
            device_authorizations::DieselDeviceAuthorizationRepository::new(self.inner.clone()),
        )
    }

    /// Deletes the emailed-link tokens expired at `now`, in batches; returns how many.
    /// Housekeeping: an expired token is never found or consumed anyway.
    pub async fn purge_expired_email_tokens(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        email_tokens::DieselEmailTokenRepository::new(self.inner.clone())
            .purge_expired(now)
            .await
    }

    /// Batched deletion of expired rows on this database, for the housekeeping task.
    /// `code_retention` (seconds: the access-token lifetime with skew) is how long a redeemed
    /// code outlives its expiry, so that its grant can still be found and revoked while an
    /// access token of it can live.
    pub fn housekeeping(&self, code_retention: i64) -> Arc<dyn HousekeepingRepository> {
        self.housekeeping_with(
            code_retention,
            tessera_application::ports::DEFAULT_UNUSED_CLIENT_TTL_SECS,
        )
    }

    /// [`Database::housekeeping`], deleting dynamically registered clients still unused
    /// `unused_client_ttl` seconds after they registered.
    pub fn housekeeping_with(
        &self,
        code_retention: i64,
        unused_client_ttl: i64,
    ) -> Arc<dyn HousekeepingRepository> {
        Arc::new(DieselHousekeeping {
            db: self.inner.clone(),
            code_retention,
            unused_client_ttl,
        })
    }

    /// The audit log on this database: batch inserts for the background writer, keyset-paged
    /// listing for the admin API.
    pub fn audit(&self) -> Arc<dyn AuditRepository> {
        Arc::new(audit::DieselAuditRepository::new(self.inner.clone()))
    }

    /// The API keys on this database, looked up by prefix.
    pub fn api_keys(&self) -> Arc<dyn tessera_application::ports::ApiKeyRepository> {
        Arc::new(api_keys::DieselApiKeyRepository::new(self.inner.clone()))
    }

    /// The registered protected resources (RFC 8707) on this database.
    pub fn resources(&self) -> Arc<dyn tessera_application::ports::ResourceRepository> {
        Arc::new(resources::DieselResourceRepository::new(self.inner.clone()))
    }

    /// Which users hold which roles (`admin`) on this database.
    pub fn user_roles(&self) -> Arc<dyn tessera_application::ports::UserRoleRepository> {
        Arc::new(user_roles::DieselUserRoleRepository::new(
            self.inner.clone(),
        ))
    }

    /// The console dashboard's counts on this database.
    pub fn console_statistics(&self) -> Arc<dyn tessera_application::ports::ConsoleStatistics> {
        Arc::new(console_statistics::DieselConsoleStatistics::new(
            self.inner.clone(),
        ))
    }

    /// Pool status for metrics and logs: (connections open, connections idle).
    pub fn pool_status(&self) -> (usize, usize) {
        let status = match &self.inner.pool {
            Pools::Sqlite(pool) => pool.status(),
            Pools::Postgres(pool) => pool.status(),
        };
        (status.size, status.available)
    }

    /// Closes the pool at shutdown: connections in use go when returned, idle ones now, and
    /// nothing new is handed out.
    pub fn close(&self) {
        match &self.inner.pool {
            Pools::Sqlite(pool) => pool.close(),
            Pools::Postgres(pool) => pool.close(),
        }
    }

    /// The pool's figures for `/metrics` (deadpool's own status: a few atomic loads).
    pub fn pool_stats(&self) -> crate::observability::PoolStatus {
        let status = match &self.inner.pool {
            Pools::Sqlite(pool) => pool.status(),
            Pools::Postgres(pool) => pool.status(),
        };
        crate::observability::PoolStatus {
            max_size: status.max_size,
            size: status.size,
            available: status.available,
            waiting: status.waiting,
        }
    }
}
