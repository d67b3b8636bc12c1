use std::sync::Arc;
use std::time::Duration;

use diesel::{ConnectionError, SqliteConnection};
use diesel_async::pooled_connection::deadpool::{Pool, PoolBuilder};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use super::database_url::error_chain;
use super::*;

/// The SQLite connection type: diesel's sync connection run on tokio's blocking pool.
pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// Set on every SQLite connection: wait for locks rather than fail at once, WAL so readers do
/// not block the writer, FULL sync so a commit survives power loss, and enforced keys.
pub(super) const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

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

/// The pool of whichever backend is in use.
pub(crate) enum Pools {
    Sqlite(Pool<SqliteConn>),
    Postgres(Pool<AsyncPgConnection>),
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
pub(super) fn sqlite_pool(
    path: &str,
    opts: &PoolOptions,
) -> Result<Pool<SqliteConn>, DatabaseError> {
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
pub(super) fn postgres_pool(
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
pub(super) async fn connect_postgres(
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
