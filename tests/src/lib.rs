//! Helpers shared by Tessera's cross-layer tests: a throwaway database on each backend,
//! [`both_backends!`], which runs one test body against SQLite and against PostgreSQL, and
//! [`all_backends!`], which runs a repository contract test on the in-memory repositories too
//! (a [`TestBackend`] hands out the [`Repositories`] of one backend).
//!
//! PostgreSQL is found at `TESSERA_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets a database of its own. When
//! PostgreSQL is unreachable its tests are skipped loudly, unless `CI` or
//! `TESSERA_REQUIRE_POSTGRES` is set, in which case they fail.

// Test support shared by the test binaries, not production code: a broken fixture or a
// backend that cannot be set up should stop the test at once, by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: a fixture that cannot be set up is meant to stop the test"
)]

pub mod process;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::sql_types::Text;
use diesel::{QueryableByName, SqliteConnection};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
pub use tessera_adapters::persistence::{Backend, Database, PoolOptions};
use tessera_application::in_memory::{InMemoryHousekeeping, InMemoryStore};
use tessera_application::ports::{
    ApiKeyRepository, AuditRepository, AuthorizationCodeRepository, ChallengeRepository,
    ClientRepository, ConsentRepository, ConsoleStatistics, DeviceAuthorizationRepository,
    EmailTokenRepository, HousekeepingRepository, LogoutDeliveryRepository, PasskeyRepository,
    PurgeKind, PushedRequestRepository, RefreshTokenRepository, ReplayCache, ResourceRepository,
    RevocationRepository, SecondFactorRepository, SessionClientRepository, SessionRepository,
    SigningKeyRepository, UserRepository, UserRoleRepository,
};
use tessera_application::RepositoryError;
use tessera_domain::UnixTime;

/// The PostgreSQL server used when `TESSERA_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs one async test body against both backends: expands to a module `$name` holding the
/// tests `sqlite` and `postgres`, each calling `$body(db: TestDatabase)` on a fresh database.
///
/// ```ignore
/// async fn round_trip(db: TestDatabase) { /* … */ }
/// both_backends!(round_trip_on, round_trip);
/// ```
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::TestDatabase::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::TestDatabase::postgres().await {
                    $body(db).await;
                }
            }
        }
    };
}

/// Runs one async contract test body against every backend: expands to a module `$name`
/// holding the tests `in_memory`, `sqlite` and `postgres`, each calling
/// `$body(backend: TestBackend)` on a fresh, empty store. Use it for every test that needs
/// only the repository ports; tests that look at SQL itself (migrations, raw rows, the pool)
/// use [`both_backends!`] and say why.
///
/// ```ignore
/// async fn round_trip(backend: TestBackend) {
///     let repos = backend.migrated().await;
///     repos.users().insert(&user).await.unwrap();
/// }
/// all_backends!(round_trip_on, round_trip);
/// ```
#[macro_export]
macro_rules! all_backends {
    ($name:ident, $body:path) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn in_memory() {
                $body($crate::TestBackend::in_memory()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::TestBackend::Sql($crate::TestDatabase::sqlite())).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::TestDatabase::postgres().await {
                    $body($crate::TestBackend::Sql(db)).await;
                }
            }
        }
    };
}

/// One backend of the contract suite, fresh and empty.
pub enum TestBackend {
    /// The in-memory repositories of `tessera_application::in_memory`: one store, which every
    /// [`TestBackend::migrated`] shares (as every handle on one database does).
    InMemory(Arc<InMemoryStore>),
    /// A throwaway SQLite or PostgreSQL database.
    Sql(TestDatabase),
}

impl TestBackend {
    /// A new, empty in-memory store.
    pub fn in_memory() -> TestBackend {
        TestBackend::InMemory(Arc::new(InMemoryStore::new()))
    }

    /// The repositories of this backend, on a migrated database for the SQL ones.
    pub async fn migrated(&self) -> Repositories {
        match self {
            TestBackend::InMemory(store) => Repositories::InMemory(store.clone()),
            TestBackend::Sql(db) => Repositories::Sql(db.migrated().await),
        }
    }

    /// The database behind a SQL backend, for the parts of a test that look at rows directly;
    /// `None` in memory.
    pub fn sql(&self) -> Option<&TestDatabase> {
        match self {
            TestBackend::InMemory(_) => None,
            TestBackend::Sql(db) => Some(db),
        }
    }

    /// A name for assertion messages.
    pub fn name(&self) -> &'static str {
        match self {
            TestBackend::InMemory(_) => "in-memory",
            TestBackend::Sql(db) => match db.backend() {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            },
        }
    }
}

/// Whatever can hand out the repositories of a fresh store: a [`TestBackend`], or a
/// [`TestDatabase`] in the SQL-only tests, so set-up helpers serve both kinds of test.
pub trait OpenRepositories {
    /// The repositories, on a migrated database for the SQL backends.
    fn repositories(&self) -> impl std::future::Future<Output = Repositories> + Send;
}

impl OpenRepositories for TestBackend {
    async fn repositories(&self) -> Repositories {
        self.migrated().await
    }
}

impl OpenRepositories for TestDatabase {
    async fn repositories(&self) -> Repositories {
        Repositories::Sql(self.migrated().await)
    }
}

/// The repository ports of one backend, named as on [`Database`], so a contract test reads
/// the same whichever backend runs it. Cheap to clone; clones share the store.
#[derive(Clone)]
pub enum Repositories {
    /// One in-memory store behind every port.
    InMemory(Arc<InMemoryStore>),
    /// A migrated database.
    Sql(Database),
}

/// Defines the getters of [`Repositories`]: one port each, from either backend.
macro_rules! repository_getters {
    ($($(#[$doc:meta])* $name:ident -> $port:ident;)*) => {
        impl Repositories {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Arc<dyn $port> {
                    match self {
                        Repositories::InMemory(store) => store.clone(),
                        Repositories::Sql(db) => db.$name(),
                    }
                }
            )*
        }
    };
}

repository_getters! {
    /// Registered clients.
    clients -> ClientRepository;
    /// Signing keys.
    signing_keys -> SigningKeyRepository;
    /// The access-token denylist.
    revocations -> RevocationRepository;
    /// User accounts.
    users -> UserRepository;
    /// Browser sessions.
    sessions -> SessionRepository;
    /// Remembered consents.
    consents -> ConsentRepository;
    /// Authorization codes.
    authorization_codes -> AuthorizationCodeRepository;
    /// Refresh tokens.
    refresh_tokens -> RefreshTokenRepository;
    /// Tokens of emailed links.
    email_tokens -> EmailTokenRepository;
    /// The audit log.
    audit -> AuditRepository;
    /// API keys.
    api_keys -> ApiKeyRepository;
    /// TOTP enrolments and recovery codes.
    second_factors -> SecondFactorRepository;
    /// Registered passkeys.
    passkeys -> PasskeyRepository;
    /// Pending second-factor and passkey ceremonies.
    challenges -> ChallengeRepository;
    /// Device authorizations (RFC 8628).
    device_authorizations -> DeviceAuthorizationRepository;
    /// Registered protected resources (RFC 8707).
    resources -> ResourceRepository;
    /// Roles held by users (`admin`).
    user_roles -> UserRoleRepository;
    /// The console dashboard's counts.
    console_statistics -> ConsoleStatistics;
    /// Single-use `jti`s (client assertions, DPoP proofs).
    replay_cache -> ReplayCache;
    /// Which clients got codes in which browser session (back-channel logout).
    session_clients -> SessionClientRepository;
    /// The durable queue of back-channel logout tokens.
    logout_deliveries -> LogoutDeliveryRepository;
    /// Pushed authorization requests (RFC 9126).
    pushed_requests -> PushedRequestRepository;
}

impl Repositories {
    /// Deletes the emailed-link tokens expired at `now`; as
    /// [`Database::purge_expired_email_tokens`], in memory by the housekeeping purge.
    pub async fn purge_expired_email_tokens(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        match self {
            Repositories::InMemory(store) => {
                InMemoryHousekeeping::new(store.clone(), 0)
                    .purge(PurgeKind::EmailTokens, now, u32::MAX)
                    .await
            }
            Repositories::Sql(db) => db.purge_expired_email_tokens(now).await,
        }
    }

    /// Batched purges; `code_retention` as in [`Database::housekeeping`].
    pub fn housekeeping(&self, code_retention: i64) -> Arc<dyn HousekeepingRepository> {
        match self {
            Repositories::InMemory(store) => {
                Arc::new(InMemoryHousekeeping::new(store.clone(), code_retention))
            }
            Repositories::Sql(db) => db.housekeeping(code_retention),
        }
    }
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDatabase {
    url: String,
    backend: Backend,
    cleanup: Cleanup,
}

/// What dropping a [`TestDatabase`] removes.
enum Cleanup {
    /// The temporary directory holding the SQLite file and its WAL.
    SqliteDir(PathBuf),
    /// A database created on the shared PostgreSQL server.
    Postgres { admin_url: String, name: String },
}

/// One text value read back by [`TestDatabase::query_text`].
#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

impl TestDatabase {
    /// A SQLite file in a new temporary directory (the file itself is created on connect).
    pub fn sqlite() -> TestDatabase {
        let dir = std::env::temp_dir().join(format!("tessera_test_{}", unique_suffix()));
        let path = dir.join("tessera.db");
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            cleanup: Cleanup::SqliteDir(dir),
        }
    }

    /// A new database `tessera_test_<random>` on the test PostgreSQL server, or `None` (with a
    /// loud notice) when the server is unreachable and PostgreSQL is not required.
    pub async fn postgres() -> Option<TestDatabase> {
        let admin_url = std::env::var("TESSERA_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        let mut admin = match tokio::time::timeout(
            Duration::from_secs(5),
            AsyncPgConnection::establish(&admin_url),
        )
        .await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return postgres_unreachable(&e.to_string()),
            Err(_) => return postgres_unreachable("no answer within 5 s"),
        };
        let name = format!("tessera_test_{}", unique_suffix());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        Some(TestDatabase {
            url: with_database(&admin_url, &name),
            backend: Backend::Postgres,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// The database URL, as Tessera's configuration takes it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connects with default pool options and applies the migrations.
    pub async fn migrated(&self) -> Database {
        let db = Database::connect(&self.url, PoolOptions::default())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("cannot migrate the test database: {e}"));
        db
    }

    /// Runs raw SQL (one or more statements) on a connection of its own, to poke at the
    /// database behind Tessera's back.
    pub async fn execute(&self, sql: &str) {
        let result = match &self.cleanup {
            Cleanup::SqliteDir(_) => self.sqlite_conn().await.batch_execute(sql).await,
            Cleanup::Postgres { .. } => self.postgres_conn().await.batch_execute(sql).await,
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs a query returning one row with a text column named `value`.
    pub async fn query_text(&self, sql: &str) -> String {
        let query = diesel::sql_query(sql);
        let result = match &self.cleanup {
            Cleanup::SqliteDir(_) => {
                query
                    .get_result::<TextRow>(&mut self.sqlite_conn().await)
                    .await
            }
            Cleanup::Postgres { .. } => {
                query
                    .get_result::<TextRow>(&mut self.postgres_conn().await)
                    .await
            }
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}")).value
    }

    /// A connection of its own, held open across statements, to hold a lock or a transaction
    /// open behind Tessera's back. SQLite foreign keys are not enforced on it.
    pub async fn raw_connection(&self) -> RawConnection {
        match &self.cleanup {
            Cleanup::SqliteDir(_) => RawConnection(Raw::Sqlite(self.sqlite_conn().await)),
            Cleanup::Postgres { .. } => {
                RawConnection(Raw::Postgres(Box::new(self.postgres_conn().await)))
            }
        }
    }

    /// The SQLite file's path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }

    async fn sqlite_conn(&self) -> SyncConnectionWrapper<SqliteConnection> {
        let path = self.url.trim_start_matches("sqlite://");
        let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(path)
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
        conn.batch_execute("PRAGMA busy_timeout = 5000")
            .await
            .unwrap_or_else(|e| panic!("busy_timeout: {e}"));
        conn
    }

    async fn postgres_conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"))
    }
}

/// A raw connection to a [`TestDatabase`], from [`TestDatabase::raw_connection`].
pub struct RawConnection(Raw);

/// The connection of either backend.
enum Raw {
    Sqlite(SyncConnectionWrapper<SqliteConnection>),
    Postgres(Box<AsyncPgConnection>),
}

impl RawConnection {
    /// Runs raw SQL (one or more statements) on this connection; panics on failure.
    pub async fn execute(&mut self, sql: &str) {
        let result = match &mut self.0 {
            Raw::Sqlite(conn) => conn.batch_execute(sql).await,
            Raw::Postgres(conn) => conn.batch_execute(sql).await,
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run inside or outside a runtime: use a thread with its own.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || drop_postgres_database(&admin_url, &name));
                let _ = dropped.join();
            }
        }
    }
}

/// Best-effort `DROP DATABASE … WITH (FORCE)`; a leftover is reported, not fatal.
fn drop_postgres_database(admin_url: &str, name: &str) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("could not drop test database {name}: {e}");
            return;
        }
    };
    runtime.block_on(async {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            let mut conn = AsyncPgConnection::establish(admin_url)
                .await
                .map_err(|e| e.to_string())?;
            conn.batch_execute(&sql).await.map_err(|e| e.to_string())
        })
        .await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {name}: {e}"),
            Err(_) => eprintln!("could not drop test database {name}: timed out"),
        }
    });
}

/// Skips (returning `None`) or, when PostgreSQL is required, fails the test.
fn postgres_unreachable(reason: &str) -> Option<TestDatabase> {
    let required = ["CI", "TESSERA_REQUIRE_POSTGRES"]
        .iter()
        .any(|var| std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"));
    if required {
        panic!(
            "PostgreSQL is required (CI or TESSERA_REQUIRE_POSTGRES is set) but unreachable at \
             TESSERA_TEST_POSTGRES_URL (default {DEFAULT_POSTGRES_URL}): {reason}"
        );
    }
    // Written to the real stderr rather than with eprintln!, which the test harness captures
    // and hides for passing tests: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPED PostgreSQL tests: PostgreSQL unreachable ({reason}); set \
         TESSERA_TEST_POSTGRES_URL, or start it: pg_ctlcluster --skip-systemctl-redirect 15 main \
         start !!!\n"
    );
    None
}

/// `url` with its database name replaced by `name`, query string kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// A name part unique across the tests of this run and across concurrent runs.
fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t1"),
            "postgresql://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }

    #[test]
    fn suffixes_differ() {
        assert_ne!(unique_suffix(), unique_suffix());
    }
}
