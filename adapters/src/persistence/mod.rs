//! Persistence: the repository ports over SQLite or PostgreSQL, behind one [`Database`] handle.
//!
//! Each query is written once and expanded by `with_connection!` for both connection types, so
//! the backends cannot drift apart and each copy is type-checked against its own backend.
//!
//! Every operation is bounded in time: when the database is down or hung, calls return
//! [`RepositoryError::Unavailable`] within the pool timeouts instead of hanging (fail closed,
//! Connections are made lazily and checked before reuse, so service resumes by itself
//! when the database comes back.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use diesel::{ConnectionError, SqliteConnection};
use diesel_async::pooled_connection::deadpool::{Pool, PoolBuilder, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError as ManagerError, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use tessera_application::ports::{
    AuditRepository, AuthorizationCodeRepository, ClientRepository, ConsentRepository,
    EmailTokenRepository, HousekeepingRepository, PurgeKind, RefreshTokenRepository,
    RevocationRepository, SessionRepository, SigningKeyRepository, UserRepository,
};
use tessera_application::RepositoryError;
use tessera_domain::{TokenDigest, UnixTime};

/// Runs `$body` with `$conn: &mut Connection` taken from the pool and `$db` bound to the
/// shared [`Inner`] (for error mapping), whichever backend the database uses. The body is
/// expanded once per backend, so one query text serves both and each copy is type-checked
/// against its own connection type. `$body` evaluates to `Result<T, RepositoryError>`, may
/// `.await`, and must own what it captures (it becomes an `async move` block).
///
/// The whole operation, pool wait included, is bounded by the deadline. A SQLite
/// operation runs as a task of its own that the deadline detaches rather than cancels:
/// diesel-async's `SyncConnectionWrapper` blocks the thread (and panics on a single-threaded
/// runtime, as actix workers are) when one of its futures is dropped mid-statement.
macro_rules! with_connection {
    ($owner:expr, |$conn:ident, $db:ident| $body:expr) => {{
        let owner: &::std::sync::Arc<$crate::persistence::Inner> = &$owner;
        match &owner.pool {
            $crate::persistence::Pools::Sqlite(pool) => {
                let pool = pool.clone();
                let $db = ::std::sync::Arc::clone(owner);
                owner
                    .detached(async move {
                        let mut pooled = pool.get().await.map_err(|e| $db.pool_error(e))?;
                        let $conn = &mut *pooled;
                        $body
                    })
                    .await
            }
            $crate::persistence::Pools::Postgres(pool) => {
                let $db: &$crate::persistence::Inner = owner;
                owner
                    .bounded(async move {
                        let mut pooled = pool.get().await.map_err(|e| $db.pool_error(e))?;
                        let $conn = &mut *pooled;
                        $body
                    })
                    .await
            }
        }
    }};
}

mod api_keys;
mod audit;
mod client_cache;
mod clients;
mod codes;
mod consents;
mod email_tokens;
mod inline_reads;
mod migrations;
mod refresh_tokens;
mod revocations;
mod schema;
mod sessions;
mod signing_keys;
mod sqlite_file;
mod users;

/// The SQLite connection type: diesel's sync connection run on tokio's blocking pool.
pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// Set on every SQLite connection: wait for locks rather than fail at once, WAL so readers do
/// not block the writer, FULL sync so a commit survives power loss, and enforced keys.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// Which database engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite file: single node, no server to run.
    Sqlite,
    /// A PostgreSQL server: for several nodes sharing state.
    Postgres,
}

/// Pool sizing and the timeouts that make the service fail closed when the database is gone.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections held open at once.
    pub max_size: usize,
    /// How long a caller waits for a free connection before getting `Unavailable`.
    pub wait_timeout: Duration,
    /// How long opening (or re-checking) a connection may take.
    pub connect_timeout: Duration,
    /// Server-side limit per statement (PostgreSQL `statement_timeout`).
    pub statement_timeout: Duration,
    /// SQLite only: how long a client row read for authentication is reused (zero: never).
    /// Changes made through this process are seen at once, by another process within this.
    pub client_cache_ttl: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            wait_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(2),
            client_cache_ttl: Duration::from_secs(1),
        }
    }
}

/// Why the database could not be opened or migrated. Messages are meant for operators and
/// never contain the password of the database URL: driver errors here may quote the URL, so
/// they are kept as scrubbed text rather than as a `source()` that would carry it unscrubbed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL names no backend Tessera supports.
    #[error(
        "unsupported database URL: use sqlite://relative/path.db, sqlite:///absolute/path.db \
         or postgres://user@host:port/dbname"
    )]
    UnsupportedUrl,
    /// The database could not be opened or reached.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Applying the schema migrations failed; nothing of the failing migration was kept.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The database was migrated by a newer Tessera; running this one could corrupt it.
    #[error(
        "the database schema is newer than this build of Tessera: it has migrations {} that this \
         build does not know; run a Tessera at least as new as the one that migrated it",
        .0.join(", ")
    )]
    SchemaTooNew(Vec<String>),
}

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

/// What every repository shares: the pool, the limits and the way errors are reported.
pub(crate) struct Inner {
    pub(crate) pool: Pools,
    target: Target,
    redactor: Redactor,
    opts: PoolOptions,
    deadline: Duration,
    /// SQLite only: one-row reads on the calling thread (see `inline_reads`).
    inline: Option<inline_reads::InlineReader>,
    /// SQLite only: the client rows of recent authentications (see `client_cache`).
    client_cache: Option<Arc<client_cache::ClientCache>>,
}

/// The pool of whichever backend is in use.
pub(crate) enum Pools {
    Sqlite(Pool<SqliteConn>),
    Postgres(Pool<AsyncPgConnection>),
}

/// Where the database is, parsed from the URL.
enum Target {
    /// A file path as SQLite takes it.
    Sqlite(String),
    /// A `postgres://` URL, parsed by tokio-postgres.
    Postgres(Box<tokio_postgres::Config>),
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
        let (inline, client_cache) = match &target {
            Target::Sqlite(path) => (
                Some(inline_reads::InlineReader::new(path)),
                Some(Arc::new(client_cache::ClientCache::new(
                    opts.client_cache_ttl,
                ))),
            ),
            Target::Postgres(_) => (None, None),
        };
        let inner = Arc::new(Inner {
            pool,
            target,
            redactor,
            opts,
            deadline,
            inline,
            client_cache,
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
        Arc::new(DieselHousekeeping {
            db: self.inner.clone(),
            code_retention,
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

/// [`HousekeepingRepository`]: each kind's batch delete lives next to its table's other queries.
struct DieselHousekeeping {
    db: Arc<Inner>,
    code_retention: i64,
}

#[async_trait::async_trait]
impl HousekeepingRepository for DieselHousekeeping {
    async fn purge(
        &self,
        kind: PurgeKind,
        now: UnixTime,
        batch: u32,
    ) -> Result<u64, RepositoryError> {
        let batch = i64::from(batch.max(1));
        let db = self.db.clone();
        match kind {
            PurgeKind::AuthorizationCodes => {
                codes::DieselAuthorizationCodeRepository::new(db)
                    .purge_batch(now, self.code_retention, batch)
                    .await
            }
            PurgeKind::BrowserSessions => {
                sessions::DieselSessionRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::EmailTokens => {
                email_tokens::DieselEmailTokenRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::Denylist => {
                revocations::DieselRevocationRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::RefreshTokenFamilies => {
                refresh_tokens::DieselRefreshTokenRepository::new(db)
                    .purge_ended_families_batch(now, batch)
                    .await
            }
            PurgeKind::RevokedRefreshTokens => {
                refresh_tokens::DieselRefreshTokenRepository::new(db)
                    .purge_revoked_batch(now, batch)
                    .await
            }
        }
    }
}

impl Inner {
    /// On SQLite, runs a one-row read on the calling thread (see `inline_reads`); `None` on
    /// PostgreSQL or when the shortcut did not answer, and the caller then asks the pool.
    pub(crate) fn read_inline<T>(
        &self,
        read: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<T>,
    ) -> Option<T> {
        self.inline.as_ref().and_then(|reader| reader.read(read))
    }

    /// Runs `op` within the deadline; past it the caller gets `Unavailable`.
    pub(crate) async fn bounded<T>(
        &self,
        op: impl Future<Output = Result<T, RepositoryError>>,
    ) -> Result<T, RepositoryError> {
        match tokio::time::timeout(self.deadline, op).await {
            Ok(result) => result,
            Err(_) => {
                log::warn!(
                    "database operation did not finish within {:?}; failing closed",
                    self.deadline
                );
                Err(RepositoryError::Unavailable)
            }
        }
    }

    /// Runs `op` as a task of its own and waits for it within the deadline; past it the caller
    /// gets `Unavailable` while the task finishes in the background, never cut mid-statement.
    pub(crate) async fn detached<T: Send + 'static>(
        &self,
        op: impl Future<Output = Result<T, RepositoryError>> + Send + 'static,
    ) -> Result<T, RepositoryError> {
        let task = tokio::spawn(op);
        self.bounded(async move { task.await.map_err(RepositoryError::other)? })
            .await
    }

    /// Maps a failure to get a pooled connection: all of them mean the database cannot be
    /// used right now.
    pub(crate) fn pool_error(&self, e: PoolError) -> RepositoryError {
        match e {
            PoolError::Timeout(kind) => {
                log::warn!("database pool timed out ({kind:?}); failing closed");
                RepositoryError::Unavailable
            }
            PoolError::Backend(ManagerError::ConnectionError(e)) => {
                log::warn!(
                    "cannot connect to the database: {}",
                    self.redactor.scrub(&e.to_string())
                );
                RepositoryError::Unavailable
            }
            PoolError::Backend(ManagerError::QueryError(e)) => match self.query_error(e) {
                RepositoryError::Other(e) => {
                    log::warn!("database connection check failed: {e}");
                    RepositoryError::Unavailable
                }
                other => other,
            },
            PoolError::Closed => RepositoryError::Unavailable,
            PoolError::NoRuntimeSpecified => {
                RepositoryError::other("the connection pool has no runtime")
            }
            PoolError::PostCreateHook(e) => {
                log::warn!(
                    "database connection setup failed: {}",
                    self.redactor.scrub(&e.to_string())
                );
                RepositoryError::Unavailable
            }
        }
    }

    /// Maps a query failure: unique violations are `Conflict`, lost connections, timeouts and
    /// lock waits are `Unavailable`, the rest `Other` with any secret scrubbed.
    pub(crate) fn query_error(&self, e: diesel::result::Error) -> RepositoryError {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            Error::DatabaseError(Kind::UniqueViolation, _) => RepositoryError::Conflict,
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                log::warn!(
                    "lost the database connection: {}",
                    self.redactor.scrub(info.message())
                );
                RepositoryError::Unavailable
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                log::warn!(
                    "database busy or timed out: {}",
                    self.redactor.scrub(info.message())
                );
                RepositoryError::Unavailable
            }
            Error::BrokenTransactionManager => RepositoryError::Unavailable,
            // Kept as the cause, unless its text quotes a secret: then only the scrubbed text.
            other => {
                let text = other.to_string();
                let scrubbed = self.redactor.scrub(&text);
                if scrubbed == text {
                    RepositoryError::other(other)
                } else {
                    RepositoryError::other(scrubbed)
                }
            }
        }
    }
}

/// A digest column read back; an error text (for `Corrupt`) unless it is 32 bytes.
pub(crate) fn stored_digest(bytes: &[u8]) -> Result<TokenDigest, String> {
    TokenDigest::from_bytes(bytes).ok_or_else(|| format!("{} bytes, not 32", bytes.len()))
}

/// Server messages that mean "try again later" rather than a fault in the query.
fn is_transient(message: &str) -> bool {
    const MARKERS: [&str; 8] = [
        "statement timeout",
        "lock timeout",
        "database is locked",
        "database table is locked",
        "terminating connection",
        "the database system is",
        "connection closed",
        "server closed the connection",
    ];
    let message = message.to_ascii_lowercase();
    MARKERS.iter().any(|m| message.contains(m))
}

/// Splits a database URL into its backend and the address that backend's driver takes.
fn parse_url(url: &str, redactor: &Redactor) -> Result<Target, DatabaseError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        // An in-memory database would be a different, empty one on every pooled connection.
        if path.is_empty() || path.contains(":memory:") {
            return Err(DatabaseError::UnsupportedUrl);
        }
        return Ok(Target::Sqlite(path.to_owned()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            DatabaseError::Connect(format!(
                "invalid PostgreSQL URL: {}",
                redactor.scrub(&error_chain(&e))
            ))
        })?;
        if config.get_application_name().is_none() {
            config.application_name("tessera");
        }
        return Ok(Target::Postgres(Box::new(config)));
    }
    Err(DatabaseError::UnsupportedUrl)
}

/// Applies the pool limits. `connect_timeout` bounds creating and re-checking a connection,
/// except for SQLite (`None`), whose futures must not be dropped mid-statement: there the
/// caller's deadline applies to the detached task instead.
fn build_pool<C>(
    builder: PoolBuilder<C>,
    opts: &PoolOptions,
    connect_timeout: Option<Duration>,
) -> Result<Pool<C>, DatabaseError>
where
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
{
    builder
        .max_size(opts.max_size.max(1))
        .wait_timeout(Some(opts.wait_timeout))
        .create_timeout(connect_timeout)
        .recycle_timeout(connect_timeout)
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DatabaseError::Connect(format!("cannot build the connection pool: {e}")))
}

/// A pool of SQLite connections, each set up with [`SQLITE_PRAGMAS`].
fn sqlite_pool(path: &str, opts: &PoolOptions) -> Result<Pool<SqliteConn>, DatabaseError> {
    let mut config = ManagerConfig::<SqliteConn>::default();
    // A lock held elsewhere makes a statement give up a little before the request deadline, so a
    // write that answered 503 has really not happened (no "Unavailable, but saved anyway").
    let busy_ms = (opts.statement_timeout.as_millis() * 9 / 10).max(1);
    config.custom_setup = Box::new(move |path: &str| {
        let path = path.to_owned();
        Box::pin(async move {
            let mut conn = SqliteConn::establish(&path).await?;
            conn.batch_execute(&format!(
                "{SQLITE_PRAGMAS} PRAGMA busy_timeout = {busy_ms};"
            ))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    // A local file does not drop connections the way a server does: no ping before reuse.
    config.recycling_method = RecyclingMethod::Fast;
    build_pool(
        Pool::builder(AsyncDieselConnectionManager::new_with_config(path, config)),
        opts,
        None,
    )
}

/// A pool of PostgreSQL connections, each with the configured `statement_timeout`.
fn postgres_pool(
    pg: &tokio_postgres::Config,
    opts: &PoolOptions,
) -> Result<Pool<AsyncPgConnection>, DatabaseError> {
    let connect_timeout = opts.connect_timeout;
    let statement_ms = opts.statement_timeout.as_millis().max(1);
    let pg = Arc::new(pg.clone());
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // The manager's URL argument is unused: connections are made from the parsed `pg`.
    config.custom_setup = Box::new(move |_url: &str| {
        let pg = pg.clone();
        Box::pin(async move {
            let mut conn = connect_postgres(&pg, connect_timeout).await?;
            conn.batch_execute(&format!("SET statement_timeout = {statement_ms}"))
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    build_pool(
        Pool::builder(AsyncDieselConnectionManager::new_with_config(
            String::new(),
            config,
        )),
        opts,
        Some(opts.connect_timeout),
    )
}

/// Opens one PostgreSQL connection, giving up after `timeout` (a hung server never answers).
/// Connects through tokio-postgres itself so that the cause of a failure reaches the logs.
async fn connect_postgres(
    pg: &tokio_postgres::Config,
    timeout: Duration,
) -> Result<AsyncPgConnection, ConnectionError> {
    let attempt = async {
        let (client, connection) = pg
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| ConnectionError::BadConnection(error_chain(&e)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ConnectionError::BadConnection(format!(
            "no answer from PostgreSQL within {timeout:?}"
        ))),
    }
}

/// An error with its causes, `outer: inner: …`: driver errors keep the useful part (connection
/// refused, authentication failed) in their sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Removes the URL's password from messages that might echo it (driver errors quote their
/// input at times), so nothing logged or returned can leak it.
#[derive(Debug, Default)]
struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects the password of `url`: the userinfo one and a `password=` query parameter, both
    /// as written and percent-decoded.
    fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Some((_, rest)) = url.split_once("://") {
            let (head, query) = rest.split_once('?').unwrap_or((rest, ""));
            if let Some((userinfo, _)) = head.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    secrets.push(password.to_owned());
                }
            }
            for pair in query.split('&') {
                if let Some(("password", value)) = pair.split_once('=') {
                    secrets.push(value.to_owned());
                }
            }
        }
        let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
        secrets.extend(decoded);
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `message` with every known secret replaced by `***`.
    fn scrub(&self, message: &str) -> String {
        let mut out = message.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        let r = Redactor::default();
        assert!(matches!(
            parse_url("sqlite://data/t.db", &r),
            Ok(Target::Sqlite(p)) if p == "data/t.db"
        ));
        assert!(matches!(
            parse_url("sqlite:///var/lib/t.db", &r),
            Ok(Target::Sqlite(p)) if p == "/var/lib/t.db"
        ));
        assert!(matches!(
            parse_url("postgresql://u@h/db", &r),
            Ok(Target::Postgres(_))
        ));
        for bad in [
            "mysql://u@h/db",
            "sqlite://",
            "sqlite://:memory:",
            "t.db",
            "",
        ] {
            assert!(
                matches!(parse_url(bad, &r), Err(DatabaseError::UnsupportedUrl)),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_are_scrubbed_from_messages() {
        let r = Redactor::for_url("postgres://tessera:s%40cret@db:5432/t?password=other");
        let msg = r.scrub("auth failed for s%40cret / s@cret / other");
        assert_eq!(msg, "auth failed for *** / *** / ***");
        assert_eq!(Redactor::for_url("postgres://u@h/db").scrub("u@h"), "u@h");
    }

    #[test]
    fn transient_messages() {
        assert!(is_transient("canceling statement due to statement timeout"));
        assert!(is_transient("database is locked"));
        assert!(!is_transient("syntax error at or near \"SELEC\""));
    }
}
