//! Schema migrations, embedded in the binary so a deployment cannot run with the wrong SQL.
//!
//! diesel_migrations is synchronous: SQLite migrates on a plain `SqliteConnection`, PostgreSQL
//! on an `AsyncConnectionWrapper` (tokio-postgres, no libpq), both on the blocking pool.

use std::collections::HashSet;
use std::time::Duration;

use diesel::backend::Backend as DieselBackend;
use diesel::migration::MigrationSource;
use diesel::{Connection, SqliteConnection};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{connect_postgres, DatabaseError, PoolOptions, Redactor, SQLITE_PRAGMAS};

/// The SQLite schema history.
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
/// The PostgreSQL schema history; same shape as the SQLite one.
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Key of the session advisory lock that serialises migrations across nodes ("tessera!").
const MIGRATION_LOCK_KEY: i64 = 0x7465_7373_6572_6121;

/// Limits on the migration connection: longer than the request path allows (an index build can
/// take a while), but never unbounded, and a node waiting for another's migration gives up.
const MIGRATION_SESSION: &str = "SET statement_timeout = '10min'; SET lock_timeout = '60s';";

/// Why a migration run stopped: a database error (rolls the transaction back) or a refusal.
enum Failure {
    Db(diesel::result::Error),
    Refused(DatabaseError),
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Db(e)
    }
}

/// Migrates a SQLite file. The whole run is one `BEGIN IMMEDIATE` transaction (each migration a
/// savepoint inside it), which also keeps two processes from migrating the same file at once.
pub(super) async fn migrate_sqlite(
    path: &str,
    redactor: &Redactor,
) -> Result<Vec<String>, DatabaseError> {
    let path = path.to_owned();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut conn = SqliteConnection::establish(&path).map_err(|e| {
            DatabaseError::Connect(format!("cannot open SQLite database {path}: {e}"))
        })?;
        diesel::connection::SimpleConnection::batch_execute(&mut conn, SQLITE_PRAGMAS)
            .map_err(|e| DatabaseError::Migration(e.to_string()))?;
        conn.immediate_transaction(|conn| {
            apply_pending(conn, SQLITE_MIGRATIONS).map_err(Failure::Refused)
        })
        .map_err(|f| match f {
            Failure::Db(e) => DatabaseError::Migration(e.to_string()),
            Failure::Refused(e) => e,
        })
    })
    .await;
    finish(outcome, redactor)
}

/// Migrates PostgreSQL under a session advisory lock, so nodes starting together take turns
/// and the second finds nothing left to do.
pub(super) async fn migrate_postgres(
    pg: &tokio_postgres::Config,
    opts: &PoolOptions,
    redactor: &Redactor,
) -> Result<Vec<String>, DatabaseError> {
    let mut conn = connect_postgres(pg, opts.connect_timeout)
        .await
        .map_err(|e| DatabaseError::Connect(redactor.scrub(&e.to_string())))?;
    conn.batch_execute(MIGRATION_SESSION)
        .await
        .map_err(|e| DatabaseError::Migration(redactor.scrub(&e.to_string())))?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        .await
        .map_err(|e| {
            DatabaseError::Migration(format!(
                "cannot take the migration lock (is another node migrating?): {}",
                redactor.scrub(&e.to_string())
            ))
        })?;
    let outcome = tokio::task::spawn_blocking(move || {
        let mut sync_conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        let result = apply_pending(&mut sync_conn, POSTGRES_MIGRATIONS);
        (sync_conn.into_inner(), result)
    })
    .await;
    match outcome {
        Ok((mut conn, result)) => {
            // Closing the session would release the lock too; unlocking keeps it short.
            let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})");
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.batch_execute(&unlock)).await;
            finish(Ok(result), redactor)
        }
        Err(join) => finish(Err(join), redactor),
    }
}

/// Turns a blocking task's outcome into the caller's result, scrubbing every message.
fn finish(
    outcome: Result<Result<Vec<String>, DatabaseError>, tokio::task::JoinError>,
    redactor: &Redactor,
) -> Result<Vec<String>, DatabaseError> {
    match outcome {
        Ok(Ok(applied)) => {
            for version in &applied {
                log::info!("applied database migration {version}");
            }
            Ok(applied)
        }
        Ok(Err(DatabaseError::Connect(m))) => Err(DatabaseError::Connect(redactor.scrub(&m))),
        Ok(Err(DatabaseError::Migration(m))) => Err(DatabaseError::Migration(redactor.scrub(&m))),
        Ok(Err(other)) => Err(other),
        Err(join) => Err(DatabaseError::Migration(format!(
            "the migration task failed: {join}"
        ))),
    }
}

/// Refuses a schema with versions this build does not know, then runs the pending migrations,
/// each in its own transaction, and returns their versions.
fn apply_pending<DB, H>(
    harness: &mut H,
    source: EmbeddedMigrations,
) -> Result<Vec<String>, DatabaseError>
where
    DB: DieselBackend,
    H: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: HashSet<String> = MigrationSource::<DB>::migrations(&source)
        .map_err(|e| DatabaseError::Migration(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = harness
        .applied_migrations()
        .map_err(|e| DatabaseError::Migration(e.to_string()))?;
    let mut unknown: Vec<String> = applied
        .iter()
        .map(|v| v.to_string())
        .filter(|v| !known.contains(v))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(DatabaseError::SchemaTooNew(unknown));
    }
    let done = harness
        .run_pending_migrations(source)
        .map_err(|e| DatabaseError::Migration(e.to_string()))?;
    Ok(done.iter().map(|v| v.to_string()).collect())
}
