//! The repository contract: one suite, run on SQLite and on PostgreSQL, so both adapters keep
//! exactly the behaviour the use cases rely on.

use std::time::{Duration, Instant};

use tessera_adapters::{Backend, Database, DatabaseError, PoolOptions};
use tessera_application::ports::StoredSigningKey;
use tessera_application::RepositoryError;
use tessera_domain::{
    Client, ClientId, GrantType, KeyState, RedirectUri, ScopeSet, SigningAlgorithm, SigningKey,
    TokenDigest, TokenEndpointAuthMethod, UnixTime,
};
use tessera_tests::{all_backends, both_backends, Repositories, TestBackend, TestDatabase};

/// The migrations this build ships, as diesel names their versions, in order.
const MIGRATIONS: [&str; 22] = [
    "20261128000001",
    "20261128000002",
    "20261128000003",
    "20261128000004",
    "20261128000005",
    "20261128000006",
    "20261128000007",
    "20261128000008",
    "20261128000011",
    "20261207000012",
    "20261207000013",
    "20261207000014",
    "20261207000015",
    "20261207000016",
    "20261207000017",
    "20261207000018",
    "20261207000019",
    "20261207000020",
    "20261207000021",
    "20261207000022",
    "20261207000023",
    "20261207000024",
];

fn all_migrations() -> Vec<String> {
    MIGRATIONS.iter().map(|v| (*v).to_owned()).collect()
}

fn confidential_client(id: &str, created_at: i64) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse(id).unwrap(),
        name: format!("Client {id}"),
        secret_digest: Some(TokenDigest::of("s3cret")),
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        redirect_uris: vec![
            RedirectUri::parse("https://app.example.com/cb").unwrap(),
            RedirectUri::parse("https://app.example.com/cb2?x=1&y='2'%22").unwrap(),
            RedirectUri::parse("http://127.0.0.1:8080/cb").unwrap(),
        ],
        post_logout_redirect_uris: vec![RedirectUri::parse("https://app.example.com/bye").unwrap()],
        scope: ScopeSet::parse("openid profile read").unwrap(),
        skip_consent: true,
        created_at: UnixTime::from_secs(created_at),
    }
}

fn public_client(id: &str, created_at: i64) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse(id).unwrap(),
        name: "Public app ☃".into(),
        secret_digest: None,
        auth_method: TokenEndpointAuthMethod::None,
        grant_types: vec![GrantType::AuthorizationCode],
        redirect_uris: vec![RedirectUri::parse("com.example.app:/oauth2redirect").unwrap()],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(created_at),
    }
}

fn key(kid: &str, state: KeyState, created_at: i64) -> StoredSigningKey {
    StoredSigningKey {
        key: SigningKey {
            kid: kid.into(),
            alg: SigningAlgorithm::Es256,
            state,
            created_at: UnixTime::from_secs(created_at),
            retire_after: None,
            public_jwk: format!(r#"{{"kty":"EC","crv":"P-256","x":"{kid}","y":"y"}}"#),
        },
        encrypted_private_key: vec![0, 1, 2, 255, kid.len() as u8],
    }
}

async fn kids_and_states(db: &Repositories) -> Vec<(String, KeyState)> {
    db.signing_keys()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.key.kid, k.key.state))
        .collect()
}

async fn clients_round_trip_every_field(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let a = confidential_client("app-a", 200);
    let b = public_client("app-b", 100);
    repo.insert(&a).await.unwrap();
    repo.insert(&b).await.unwrap();

    assert_eq!(repo.find(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(repo.find(&b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(
        repo.find(&ClientId::parse("nobody").unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repo.list().await.unwrap(),
        vec![b.clone(), a.clone()],
        "oldest first"
    );

    assert!(repo.delete(&a.id).await.unwrap());
    assert!(
        !repo.delete(&a.id).await.unwrap(),
        "second delete finds nothing"
    );
    assert_eq!(repo.find(&a.id).await.unwrap(), None);
    assert_eq!(repo.list().await.unwrap(), vec![b]);
}
all_backends!(clients_round_trip, clients_round_trip_every_field);

async fn duplicate_client_is_a_conflict(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let a = confidential_client("dup", 1);
    repo.insert(&a).await.unwrap();
    let mut again = public_client("dup", 2);
    again.name = "other".into();
    assert!(matches!(
        repo.insert(&again).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(
        repo.list().await.unwrap(),
        vec![a],
        "the first one is untouched"
    );
}
all_backends!(client_conflict, duplicate_client_is_a_conflict);

async fn unparsable_client_row_is_corrupt(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    tdb.execute(
        "INSERT INTO clients (id, name, secret_digest, auth_method, grant_types, redirect_uris, \
         post_logout_redirect_uris, scope, skip_consent, created_at) \
         VALUES ('bad', 'Bad', NULL, 'tls_client_auth', '[]', '[]', '[]', '', false, 0)",
    )
    .await;
    let id = ClientId::parse("bad").unwrap();
    assert!(matches!(
        db.clients().find(&id).await,
        Err(RepositoryError::Corrupt { .. })
    ));
    assert!(matches!(
        db.clients().list().await,
        Err(RepositoryError::Corrupt { .. })
    ));
}
// SQL only: writes rows behind the repositories' back.
both_backends!(client_corrupt, unparsable_client_row_is_corrupt);

/// Issue 11: a redirect URI stored before the stricter rules (a wildcard, userinfo) is left
/// out when the client is read, so it matches nothing; the client keeps working.
async fn stored_redirect_uris_no_longer_valid_are_ignored(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    tdb.execute(
        "INSERT INTO clients (id, name, secret_digest, auth_method, grant_types, redirect_uris, \
         post_logout_redirect_uris, scope, skip_consent, created_at) \
         VALUES ('old', 'Old', NULL, 'none', '[\"authorization_code\"]', \
         '[\"https://*.rp.test/cb\", \"http://127.0.0.1:1@evil.example/cb\", \"https://rp.test/cb\"]', \
         '[\"https://rp.test/bye*\"]', 'openid', false, 0)",
    )
    .await;
    let client = db
        .clients()
        .find(&ClientId::parse("old").unwrap())
        .await
        .unwrap()
        .unwrap();
    let uris: Vec<&str> = client.redirect_uris.iter().map(|u| u.as_str()).collect();
    assert_eq!(uris, ["https://rp.test/cb"]);
    assert!(client.post_logout_redirect_uris.is_empty());
}
// SQL only: writes rows behind the repositories' back.
both_backends!(
    stored_bad_redirect_uris,
    stored_redirect_uris_no_longer_valid_are_ignored
);

async fn signing_keys_save_and_list_newest_first(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.signing_keys();
    assert!(repo.list().await.unwrap().is_empty());
    let mut old = key("k-old", KeyState::Retiring, 50);
    old.key.retire_after = Some(UnixTime::from_secs(5000));
    old.key.alg = SigningAlgorithm::Rs256;
    let active = key("k-active", KeyState::Active, 100);
    let mut next = key("k-next", KeyState::Next, 200);
    next.key.alg = SigningAlgorithm::EdDsa;
    let tie = key("k-a-tie", KeyState::Retired, 50);
    repo.save(
        vec![],
        vec![old.clone(), active.clone(), next.clone(), tie.clone()],
    )
    .await
    .unwrap();
    assert_eq!(repo.list().await.unwrap(), vec![next, active, tie, old]);

    assert!(matches!(
        repo.save(vec![], vec![key("k-next", KeyState::Retired, 1)])
            .await,
        Err(RepositoryError::Conflict)
    ));
}
all_backends!(keys_save_list, signing_keys_save_and_list_newest_first);

async fn one_active_key_at_most(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.signing_keys();
    repo.save(vec![], vec![key("a", KeyState::Active, 1)])
        .await
        .unwrap();
    let second = repo
        .save(
            vec![],
            vec![key("n", KeyState::Next, 2), key("b", KeyState::Active, 3)],
        )
        .await;
    assert!(
        matches!(second, Err(RepositoryError::Conflict)),
        "{second:?}"
    );
    assert_eq!(
        kids_and_states(&db).await,
        vec![("a".to_owned(), KeyState::Active)],
        "nothing of the refused save was kept"
    );

    // Promoting a stored key while another is active is refused the same way.
    repo.save(vec![], vec![key("n", KeyState::Next, 2)])
        .await
        .unwrap();
    let promoted = key("n", KeyState::Active, 2).key;
    assert!(matches!(
        repo.save(vec![promoted], vec![]).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(
        kids_and_states(&db).await,
        vec![
            ("n".to_owned(), KeyState::Next),
            ("a".to_owned(), KeyState::Active)
        ]
    );
}
all_backends!(one_active_key, one_active_key_at_most);

async fn rotation_is_one_save(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.signing_keys();
    let a = key("a", KeyState::Active, 1);
    repo.save(vec![], vec![a.clone()]).await.unwrap();

    // Shape 1: retire the active key and insert a new active one.
    let mut retiring = a.key.clone();
    retiring.begin_retiring(UnixTime::from_secs(1000), 600);
    repo.save(vec![retiring.clone()], vec![key("b", KeyState::Active, 2)])
        .await
        .unwrap();
    let listed = repo.list().await.unwrap();
    assert_eq!(listed[0].key.kid, "b");
    assert_eq!(listed[0].key.state, KeyState::Active);
    assert_eq!(listed[1].key, retiring, "state and retire_after updated");
    assert_eq!(listed[1].encrypted_private_key, a.encrypted_private_key);

    // Shape 2: promote a pre-published next key in the same call that retires the active one.
    repo.save(vec![], vec![key("c", KeyState::Next, 3)])
        .await
        .unwrap();
    let mut b_retiring = listed[0].key.clone();
    b_retiring.begin_retiring(UnixTime::from_secs(2000), 600);
    let c_active = key("c", KeyState::Active, 3).key;
    repo.save(vec![b_retiring, c_active], vec![]).await.unwrap();
    assert_eq!(
        kids_and_states(&db).await,
        vec![
            ("c".to_owned(), KeyState::Active),
            ("b".to_owned(), KeyState::Retiring),
            ("a".to_owned(), KeyState::Retiring),
        ]
    );

    // An update of a key that is not stored fails and changes nothing.
    let ghost = key("ghost", KeyState::Retired, 9).key;
    let c_retired = key("c", KeyState::Retired, 3).key;
    assert!(repo.save(vec![c_retired, ghost], vec![]).await.is_err());
    assert_eq!(
        kids_and_states(&db).await[0],
        ("c".to_owned(), KeyState::Active)
    );
}
all_backends!(key_rotation, rotation_is_one_save);

async fn revocation_denylist(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    let repo = db.revocations();
    repo.revoke("j1", UnixTime::from_secs(100)).await.unwrap();
    repo.revoke("j1", UnixTime::from_secs(100)).await.unwrap();
    repo.revoke("j2", UnixTime::from_secs(200)).await.unwrap();
    repo.revoke("j3", UnixTime::from_secs(300)).await.unwrap();
    assert!(repo.is_revoked("j1").await.unwrap());
    assert!(!repo.is_revoked("other").await.unwrap());

    assert_eq!(
        repo.purge_expired(UnixTime::from_secs(99)).await.unwrap(),
        0
    );
    assert_eq!(
        repo.purge_expired(UnixTime::from_secs(200)).await.unwrap(),
        2,
        "<= now"
    );
    assert!(!repo.is_revoked("j1").await.unwrap());
    assert!(!repo.is_revoked("j2").await.unwrap());
    assert!(repo.is_revoked("j3").await.unwrap());
    assert_eq!(
        repo.purge_expired(UnixTime::from_secs(200)).await.unwrap(),
        0
    );

    // More rows than one purge batch.
    tdb.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) \
         INSERT INTO revoked_tokens (jti, expires_at) SELECT 'bulk-' || i, 250 FROM n",
    )
    .await;
    assert_eq!(
        repo.purge_expired(UnixTime::from_secs(260)).await.unwrap(),
        2500
    );
    assert!(repo.is_revoked("j3").await.unwrap());
}
// SQL only: writes rows behind the repositories' back.
both_backends!(revocations, revocation_denylist);

async fn migrate_twice_is_a_no_op(tdb: TestDatabase) {
    let db = Database::connect(tdb.url(), PoolOptions::default())
        .await
        .unwrap();
    assert_eq!(db.backend(), tdb.backend());
    assert_eq!(db.migrate().await.unwrap(), all_migrations());
    assert!(db.migrate().await.unwrap().is_empty());
    db.ping().await.unwrap();
}
// SQL only: migrations.
both_backends!(migrate_twice, migrate_twice_is_a_no_op);

async fn concurrent_migrations_apply_once(tdb: TestDatabase) {
    let first = Database::connect(tdb.url(), PoolOptions::default())
        .await
        .unwrap();
    let second = Database::connect(tdb.url(), PoolOptions::default())
        .await
        .unwrap();
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    let mut applied = a.unwrap();
    applied.extend(b.unwrap());
    assert_eq!(applied, all_migrations(), "exactly one of them migrated");
}
// SQL only: migrations.
both_backends!(concurrent_migrate, concurrent_migrations_apply_once);

async fn newer_schema_is_refused(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    tdb.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231000001')")
        .await;
    match db.migrate().await {
        Err(DatabaseError::SchemaTooNew(versions)) => {
            assert_eq!(versions, vec!["99991231000001".to_owned()]);
            let message = DatabaseError::SchemaTooNew(versions).to_string();
            assert!(message.contains("99991231000001"), "{message}");
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}
// SQL only: migrations.
both_backends!(schema_too_new, newer_schema_is_refused);

/// Migrations run on the blocking pool, so a single-threaded runtime (as a CLI may use) works.
#[tokio::test(flavor = "current_thread")]
async fn migrate_on_a_current_thread_runtime() {
    let sqlite = TestDatabase::sqlite();
    assert_eq!(
        sqlite.migrated().await.migrate().await.unwrap(),
        Vec::<String>::new()
    );
    if let Some(pg) = TestDatabase::postgres().await {
        assert_eq!(
            pg.migrated().await.migrate().await.unwrap(),
            Vec::<String>::new()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_and_directory_are_created_in_wal_mode() {
    let tdb = TestDatabase::sqlite();
    let path = tdb.sqlite_path().unwrap();
    assert!(!path.exists());
    let db = Database::connect(tdb.url(), PoolOptions::default())
        .await
        .unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert!(path.exists(), "created on connect");
    assert_eq!(
        tdb.query_text("SELECT journal_mode AS value FROM pragma_journal_mode")
            .await,
        "wal"
    );
    let (size, available) = db.pool_status();
    assert!(size >= 1 && available <= size, "{size} {available}");
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    let bad_port = Database::connect("postgres://u:pw@h:port/db", PoolOptions::default()).await;
    assert!(
        matches!(bad_port, Err(DatabaseError::Connect(_))),
        "{bad_port:?}"
    );
    for url in [
        "mysql://u@h/db",
        "sqlite://",
        "sqlite://:memory:",
        "tessera.db",
    ] {
        assert!(
            matches!(
                Database::connect(url, PoolOptions::default()).await,
                Err(DatabaseError::UnsupportedUrl)
            ),
            "{url}"
        );
    }
}

/// R-02 on SQLite: a write blocked by another process's lock is given up on in time, on a
/// single-threaded runtime as actix workers use (the timed-out statement must not be dropped
/// mid-flight there, which diesel-async's wrapper turns into a panic), and the same handle
/// works again once the lock is gone.
#[tokio::test(flavor = "current_thread")]
async fn r_02_locked_sqlite_fails_closed_on_a_current_thread_runtime() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let tdb = TestDatabase::sqlite();
    let db = tdb.migrated().await;
    let path = tdb.sqlite_path().unwrap();
    let mut locker = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    locker.batch_execute("BEGIN EXCLUSIVE").unwrap();

    let started = Instant::now();
    let blocked = db.revocations().revoke("j", UnixTime::from_secs(9)).await;
    assert!(
        matches!(blocked, Err(RepositoryError::Unavailable)),
        "{blocked:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    locker.batch_execute("ROLLBACK").unwrap();
    db.revocations()
        .revoke("j", UnixTime::from_secs(9))
        .await
        .unwrap();
    assert!(db.revocations().is_revoked("j").await.unwrap());
}

/// R-02: a PostgreSQL that refuses connections makes every call `Unavailable`, promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_02_refused_postgres_fails_closed() {
    let url = "postgres://tessera:hunter2-pw@127.0.0.1:1/tessera";
    let db = Database::connect(url, PoolOptions::default())
        .await
        .unwrap();
    assert_eq!(db.backend(), Backend::Postgres);
    let started = Instant::now();
    let found = db.clients().find(&ClientId::parse("x").unwrap()).await;
    assert!(
        matches!(found, Err(RepositoryError::Unavailable)),
        "{found:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(db.ping().await, Err(RepositoryError::Unavailable)));
    assert!(matches!(
        db.revocations().is_revoked("j").await,
        Err(RepositoryError::Unavailable)
    ));
    let err = db.migrate().await.unwrap_err();
    assert!(matches!(err, DatabaseError::Connect(_)), "{err:?}");
    assert!(
        err.to_string().contains("refused"),
        "the cause is kept: {err}"
    );
    for text in [err.to_string(), format!("{err:?}"), format!("{db:?}")] {
        assert!(!text.contains("hunter2"), "password leaked: {text}");
    }
}

/// R-02: a PostgreSQL that accepts TCP but never answers (hung) is given up on in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_02_hung_postgres_fails_closed() {
    // The kernel completes the handshake on the backlog; nobody ever answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("postgres://tessera@127.0.0.1:{port}/tessera");
    let db = Database::connect(&url, PoolOptions::default())
        .await
        .unwrap();
    let started = Instant::now();
    let listed = db.signing_keys().list().await;
    assert!(
        matches!(listed, Err(RepositoryError::Unavailable)),
        "{listed:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

/// R-02: once the database is there again, the same handle serves without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_02_postgres_recovers_without_restart() {
    let Some(tdb) = TestDatabase::postgres().await else {
        return;
    };
    let late = format!("{}_late", tdb.url().rsplit('/').next().unwrap());
    let late_url = format!("{}/{late}", tdb.url().rsplit_once('/').unwrap().0);
    let db = Database::connect(&late_url, PoolOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(db.ping().await, Err(RepositoryError::Unavailable)),
        "no such database yet"
    );

    tdb.execute(&format!("CREATE DATABASE {late}")).await;
    let outcome = async {
        db.migrate().await.unwrap();
        db.ping().await.unwrap();
        db.revocations()
            .revoke("j", UnixTime::from_secs(1))
            .await
            .unwrap();
        assert!(db.revocations().is_revoked("j").await.unwrap());
    };
    outcome.await;
    drop(db);
    tdb.execute(&format!("DROP DATABASE {late} WITH (FORCE)"))
        .await;
}
