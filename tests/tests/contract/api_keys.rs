//! The repository contract of API keys, run on SQLite and on PostgreSQL like the rest of the
//! contract suite in `repositories.rs`.

use std::sync::Arc;

use tessera_adapters::Backend;
use tessera_application::ports::{ApiKeyRepository, Clock, RandomSource};
use tessera_application::services::ApiKeys;
use tessera_application::RepositoryError;
use tessera_domain::{ApiKey, ApiKeyPrefix, ScopeSet, TokenDigest, UnixTime};
use tessera_tests::{all_backends, both_backends, TestBackend, TestDatabase};

fn prefix(p: &str) -> ApiKeyPrefix {
    ApiKeyPrefix::parse(p).unwrap()
}

/// A key with every optional field empty, made at `created_at`.
fn key(p: &str, created_at: i64) -> ApiKey {
    ApiKey {
        prefix: prefix(p),
        name: format!("Key {p} ☃ \"quoted\""),
        digest: TokenDigest::of(&format!("tsk_{p}secret")),
        scopes: ScopeSet::parse("read write admin:keys").unwrap(),
        created_at: UnixTime::from_secs(created_at),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    }
}

async fn keys_round_trip_every_field(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.api_keys();
    let plain = key("aaaa0001", 100);
    let full = ApiKey {
        expires_at: Some(UnixTime::from_secs(i64::MAX)),
        last_used_at: Some(UnixTime::from_secs(150)),
        revoked_at: Some(UnixTime::from_secs(160)),
        scopes: ScopeSet::parse("read").unwrap(),
        ..key("bbbb0002", 200)
    };
    repo.insert(&plain).await.unwrap();
    repo.insert(&full).await.unwrap();
    assert_eq!(repo.find(&plain.prefix).await.unwrap(), Some(plain.clone()));
    assert_eq!(repo.find(&full.prefix).await.unwrap(), Some(full.clone()));
    assert_eq!(repo.find(&prefix("zzzz9999")).await.unwrap(), None);
}
all_backends!(keys_round_trip, keys_round_trip_every_field);

async fn a_prefix_clash_is_a_conflict(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.api_keys();
    let first = key("aaaa0001", 100);
    repo.insert(&first).await.unwrap();
    let clash = ApiKey {
        digest: TokenDigest::of("another key"),
        ..key("aaaa0001", 200)
    };
    assert!(matches!(
        repo.insert(&clash).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(repo.find(&first.prefix).await.unwrap(), Some(first));
}
all_backends!(prefix_clash, a_prefix_clash_is_a_conflict);

async fn list_is_newest_first(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.api_keys();
    assert!(repo.list().await.unwrap().is_empty());
    let (old, new, same_time) = (
        key("cccc0003", 100),
        key("aaaa0001", 300),
        key("bbbb0002", 300),
    );
    for k in [&old, &new, &same_time] {
        repo.insert(k).await.unwrap();
    }
    assert_eq!(repo.list().await.unwrap(), vec![new, same_time, old]);
}
all_backends!(list_order, list_is_newest_first);

async fn revoke_happens_once_and_keeps_the_row(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.api_keys();
    let k = key("aaaa0001", 100);
    repo.insert(&k).await.unwrap();
    assert!(repo
        .revoke(&k.prefix, UnixTime::from_secs(500))
        .await
        .unwrap());
    assert!(
        !repo
            .revoke(&k.prefix, UnixTime::from_secs(600))
            .await
            .unwrap(),
        "already revoked"
    );
    assert!(!repo
        .revoke(&prefix("zzzz9999"), UnixTime::from_secs(600))
        .await
        .unwrap());
    let stored = repo.find(&k.prefix).await.unwrap().unwrap();
    assert_eq!(
        stored.revoked_at,
        Some(UnixTime::from_secs(500)),
        "first time kept"
    );
    assert_eq!(repo.list().await.unwrap(), vec![stored]);
}
all_backends!(revoke_once, revoke_happens_once_and_keeps_the_row);

async fn touch_records_the_latest_use(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.api_keys();
    let k = key("aaaa0001", 100);
    repo.insert(&k).await.unwrap();
    let last_used = |r: Arc<dyn ApiKeyRepository>| async move {
        r.find(&prefix("aaaa0001"))
            .await
            .unwrap()
            .unwrap()
            .last_used_at
    };
    repo.touch(&k.prefix, UnixTime::from_secs(200))
        .await
        .unwrap();
    assert_eq!(
        last_used(repo.clone()).await,
        Some(UnixTime::from_secs(200))
    );
    repo.touch(&k.prefix, UnixTime::from_secs(150))
        .await
        .unwrap();
    assert_eq!(
        last_used(repo.clone()).await,
        Some(UnixTime::from_secs(200)),
        "never moves backwards"
    );
    repo.touch(&k.prefix, UnixTime::from_secs(300))
        .await
        .unwrap();
    assert_eq!(
        last_used(repo.clone()).await,
        Some(UnixTime::from_secs(300))
    );
    repo.touch(&prefix("zzzz9999"), UnixTime::from_secs(300))
        .await
        .unwrap();
}
all_backends!(touch_latest, touch_records_the_latest_use);

async fn unparsable_row_is_corrupt(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    let literal = match tdb.backend() {
        Backend::Sqlite => "X'0102'",
        Backend::Postgres => "'\\x0102'::bytea",
    };
    tdb.execute(&format!(
        "INSERT INTO api_keys (prefix, name, digest, scopes, created_at) \
         VALUES ('aaaa0001', 'short digest', {literal}, 'read', 0)"
    ))
    .await;
    assert!(matches!(
        db.api_keys().find(&prefix("aaaa0001")).await,
        Err(RepositoryError::Corrupt { .. })
    ));
    assert!(matches!(
        db.api_keys().list().await,
        Err(RepositoryError::Corrupt { .. })
    ));
}
// SQL only: writes rows behind the repositories' back.
both_backends!(corrupt_row, unparsable_row_is_corrupt);

/// The wall clock of the service test, settable.
struct FixedClock(std::sync::atomic::AtomicI64);

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A random source good enough for a test: a counter, so every key differs.
struct Counter(std::sync::atomic::AtomicU8);

impl RandomSource for Counter {
    fn fill(&self, buf: &mut [u8]) {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        buf.fill(n);
    }
}

/// The service on a real database: a created key authenticates, is touched at most once a
/// minute, and stops working once revoked.
async fn service_lifecycle_on_a_real_database(tdb: TestBackend) {
    use secrecy::ExposeSecret;
    let db = tdb.migrated().await;
    let clock = Arc::new(FixedClock(1_000.into()));
    let svc = ApiKeys::new(db.api_keys(), clock.clone(), Arc::new(Counter(1.into())));
    let (created, full) = svc.create("ci", "read", None).await.unwrap();
    let full = full.expose_secret().to_owned();

    let used = svc.authenticate(&full).await.unwrap().expect("accepted");
    assert_eq!(used.last_used_at, Some(UnixTime::from_secs(1_000)));
    clock.0.store(1_030, std::sync::atomic::Ordering::SeqCst);
    svc.authenticate(&full).await.unwrap().expect("accepted");
    let listed = svc.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(UnixTime::from_secs(1_000)));

    let mut wrong = full.clone();
    wrong.replace_range(20..21, if &full[20..21] == "A" { "B" } else { "A" });
    assert!(svc.authenticate(&wrong).await.unwrap().is_none());

    assert!(svc.revoke(created.prefix.as_str()).await.unwrap());
    assert!(svc.authenticate(&full).await.unwrap().is_none());
    assert!(!svc.revoke(created.prefix.as_str()).await.unwrap());
}
all_backends!(service_lifecycle, service_lifecycle_on_a_real_database);
