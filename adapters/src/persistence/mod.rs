//! Persistence: the repository ports over SQLite or PostgreSQL, behind one [`Database`] handle.
//!
//! Each query is written once and expanded by `with_connection!` for both connection types, so
//! the backends cannot drift apart and each copy is type-checked against its own backend.
//!
//! Files: `database` (the handle and its repositories), `pool` (building the pools),
//! `database_url` (parsing the URL, keeping its password out of messages), `inner` (what the
//! repositories share, the deadline), `error_mapping` (driver errors to [`RepositoryError`]),
//! `housekeeping` (batched purges), one file per table.
//!
//! Every operation is bounded in time: when the database is down or hung, calls return
//! [`RepositoryError::Unavailable`] within the pool timeouts instead of hanging (fail closed,
//! Connections are made lazily and checked before reuse, so service resumes by itself
//! when the database comes back.

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
///
/// Each call is one tracing span (`table.method`, see `observability::otel::db_span`), a child
/// of the request's; with tracing off it is one atomic load.
macro_rules! with_connection {
    ($owner:expr, |$conn:ident, $db:ident| $body:expr) => {{
        let owner: &::std::sync::Arc<$crate::persistence::Inner> = &$owner;
        // The marker's type name is the calling method's path: the span's name.
        fn __op() {}
        let span = $crate::observability::otel::db_span(
            match &owner.pool {
                $crate::persistence::Pools::Sqlite(_) => {
                    $crate::observability::otel::DbSystem::Sqlite
                }
                $crate::persistence::Pools::Postgres(_) => {
                    $crate::observability::otel::DbSystem::Postgresql
                }
            },
            ::std::any::type_name_of_val(&__op),
        );
        let result = match &owner.pool {
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
        };
        if result.is_err() {
            span.fail("database error");
        }
        result
    }};
}

mod api_keys;
mod audit;
mod challenges;
mod change_feed;
mod client_cache;
mod clients;
mod codes;
mod consents;
mod console_statistics;
mod database;
mod database_error;
mod database_url;
mod device_authorizations;
mod email_tokens;
mod error_mapping;
mod housekeeping;
mod inline_reads;
mod inner;
mod logout_deliveries;
mod migrations;
mod passkeys;
mod pool;
mod pushed_requests;
mod refresh_tokens;
mod replay;
mod resource_list;
mod resources;
mod revocations;
mod schema;
mod second_factors;
mod session_clients;
mod sessions;
mod signing_keys;
mod sqlite_file;
mod user_lockout;
mod user_roles;
mod users;

pub use database::Database;
pub use database_error::DatabaseError;
pub use pool::PoolOptions;

use database_url::{Redactor, Target};
use error_mapping::stored_digest;
use inner::Inner;
use pool::{connect_postgres, Pools, SqliteConn, SQLITE_PRAGMAS};

/// Which database engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite file: single node, no server to run.
    Sqlite,
    /// A PostgreSQL server: for several nodes sharing state.
    Postgres,
}
