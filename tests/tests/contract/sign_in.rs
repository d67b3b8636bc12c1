//! The repository contract of the sign-in feature (users, browser sessions, consents,
//! authorization codes, refresh tokens), run on SQLite and on PostgreSQL like the rest of the
//! contract suite in `repositories.rs`.

use std::sync::Arc;
use std::time::Duration;

use tessera_adapters::Backend;
use tessera_application::ports::{CodeRedemption, StoredRefreshToken};
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthorizationCode, BrowserSession, Client, ClientId, CodeChallenge, Consent, Email, GrantType,
    LockoutPolicy, LoginAttempts, Nonce, RedirectUri, RefreshToken, ScopeSet, TokenDigest,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};
use tessera_tests::{
    all_backends, both_backends, OpenRepositories, Repositories, TestBackend, TestDatabase,
};

/// How many requests race in the R-06 tests.
const RACERS: usize = 16;

fn user(n: u8) -> User {
    // Even users have a name and a verified address; user 3 is disabled; user 2 is locked.
    let even = n & 1 == 0;
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("Person.{n}@Example.COM")).unwrap(),
        email_verified: even,
        name: even.then(|| format!("Person ☃ {n}")),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n}"),
        created_at: UnixTime::from_secs(1_000 + i64::from(n)),
        disabled: n == 3,
        login_attempts: if n == 2 {
            LoginAttempts {
                failed: 3,
                locked_until: Some(UnixTime::from_secs(7_000)),
                lockouts: 2,
            }
        } else {
            LoginAttempts::default()
        },
    }
}

fn client(id: &str) -> Client {
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
        redirect_uris: vec![RedirectUri::parse("https://app.example.com/cb").unwrap()],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid email profile offline_access").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(1),
    }
}

fn session(secret: &str, user: &User, expires_at: i64) -> BrowserSession {
    BrowserSession {
        sid: format!("sid-{secret}"),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        user_id: user.id.clone(),
        auth_time: UnixTime::from_secs(expires_at - 3600),
        expires_at: UnixTime::from_secs(expires_at),
    }
}

/// A code with every optional field set.
fn code(secret: &str, user: &User, client: &Client, grant: &str) -> AuthorizationCode {
    AuthorizationCode {
        sid: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        client_id: client.id.clone(),
        user_id: user.id.clone(),
        grant_id: grant.into(),
        redirect_uri: Some(RedirectUri::parse("https://app.example.com/cb?x=1").unwrap()),
        code_challenge: Some(
            CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").unwrap(),
        ),
        scope: ScopeSet::parse("openid email").unwrap(),
        nonce: Some(Nonce::parse("n-0S6_WzA2Mj \"quoted\"").unwrap()),
        auth_time: UnixTime::from_secs(900),
        expires_at: UnixTime::from_secs(1_060),
    }
}

fn refresh(secret: &str, family: &str, user: &User, client: &Client) -> RefreshToken {
    RefreshToken {
        dpop_jkt: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        grant_id: family.into(),
        client_id: client.id.clone(),
        user_id: user.id.clone(),
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        expires_at: UnixTime::from_secs(5_000),
        family_expires_at: UnixTime::from_secs(9_000),
        auth_time: UnixTime::from_secs(900),
    }
}

/// A migrated database holding `users` users (1..=n) and the clients `app` and `other`.
async fn seeded(
    tdb: &impl OpenRepositories,
    users: u8,
) -> (Repositories, Vec<User>, Client, Client) {
    let db = tdb.repositories().await;
    let people: Vec<User> = (1..=users).map(user).collect();
    for u in &people {
        db.users().insert(u).await.unwrap();
    }
    let (app, other) = (client("app"), client("other"));
    db.clients().insert(&app).await.unwrap();
    db.clients().insert(&other).await.unwrap();
    (db, people, app, other)
}

/// `SELECT COUNT(*)` of `table` with an optional `WHERE` clause.
async fn count(tdb: &TestDatabase, table: &str, filter: &str) -> i64 {
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!(" WHERE {filter}")
    };
    tdb.query_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM {table}{filter}"
    ))
    .await
    .parse()
    .unwrap()
}

/// A SQL literal for a digest, in the dialect of the backend.
fn bytes_literal(backend: Backend, digest: &TokenDigest) -> String {
    let hex: String = digest
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match backend {
        Backend::Sqlite => format!("X'{hex}'"),
        Backend::Postgres => format!("'\\x{hex}'::bytea"),
    }
}

async fn users_round_trip_every_field(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.users();
    let (a, b) = (user(2), user(3));
    repo.insert(&a).await.unwrap();
    repo.insert(&b).await.unwrap();

    assert_eq!(repo.find(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(repo.find(&b.id).await.unwrap(), Some(b.clone()), "no name");
    assert_eq!(
        repo.find(&UserId::from_random([9; 16])).await.unwrap(),
        None
    );

    assert_eq!(
        a.email.as_str(),
        "person.2@example.com",
        "stored lower-cased whole"
    );
    for same in [
        "Person.2@EXAMPLE.com",
        "person.2@example.com",
        "PERSON.2@example.COM",
    ] {
        let same = Email::parse(same).unwrap();
        assert_eq!(repo.find_by_email(&same).await.unwrap(), Some(a.clone()));
    }
    let other = Email::parse("person.22@example.com").unwrap();
    assert_eq!(repo.find_by_email(&other).await.unwrap(), None);

    repo.update_password_hash(&a.id, "$argon2id$v=19$m=65536,t=3,p=4$bmV3$new")
        .await
        .unwrap();
    let rehashed = repo.find(&a.id).await.unwrap().unwrap();
    assert_eq!(
        rehashed.password_hash,
        "$argon2id$v=19$m=65536,t=3,p=4$bmV3$new"
    );
    assert_eq!(
        User {
            password_hash: a.password_hash.clone(),
            ..rehashed
        },
        a,
        "nothing else changed"
    );
    assert_eq!(repo.find(&b.id).await.unwrap(), Some(b), "others untouched");
    assert!(repo
        .update_password_hash(&UserId::from_random([9; 16]), "x")
        .await
        .is_err());
}
all_backends!(users_round_trip, users_round_trip_every_field);

async fn duplicate_email_is_a_conflict(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.users();
    let first = user(1);
    repo.insert(&first).await.unwrap();
    let mut second = user(4);
    second.email = first.email.clone();
    assert!(matches!(
        repo.insert(&second).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(repo.find(&second.id).await.unwrap(), None);
    assert_eq!(repo.find_by_email(&first.email).await.unwrap(), Some(first));
}
all_backends!(user_email_conflict, duplicate_email_is_a_conflict);

async fn unparsable_user_row_is_corrupt(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    tdb.execute(
        "INSERT INTO users (id, email, email_verified, name, password_hash, created_at, disabled) \
         VALUES ('0b5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7a', 'not an email', false, NULL, 'h', 0, \
         false)",
    )
    .await;
    let id = UserId::parse("0b5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7a").unwrap();
    assert!(matches!(
        db.users().find(&id).await,
        Err(RepositoryError::Corrupt { .. })
    ));
}
// SQL only: writes rows behind the repositories' back.
both_backends!(user_corrupt, unparsable_user_row_is_corrupt);

/// ASVS 6.3.1: failed sign-ins are counted in the user's row, lock it as the policy says, are
/// forgotten on reset, and are still there after the database is opened again (a restart).
async fn asvs_6_3_1_login_failures_lock_reset_and_survive_reopening(tdb: TestBackend) {
    let (db, people, _, _) = seeded(&tdb, 4).await;
    let (alice, bob) = (&people[0], &people[3]);
    let repo = db.users();
    let policy = LockoutPolicy::default();
    let now = UnixTime::from_secs(10_000);
    for n in 1..=4 {
        let a = repo
            .record_login_failure(&alice.id, now, policy)
            .await
            .unwrap();
        assert_eq!(
            a,
            LoginAttempts {
                failed: n,
                locked_until: None,
                lockouts: 0
            }
        );
    }
    let locked = LoginAttempts {
        failed: 0,
        locked_until: Some(UnixTime::from_secs(10_060)),
        lockouts: 1,
    };
    assert_eq!(
        repo.record_login_failure(&alice.id, now, policy)
            .await
            .unwrap(),
        locked
    );
    let found = repo.find_by_email(&alice.email).await.unwrap().unwrap();
    assert_eq!(found.login_attempts, locked);
    assert_eq!(
        User {
            login_attempts: alice.login_attempts,
            ..found
        },
        *alice,
        "nothing else changed"
    );
    assert_eq!(
        repo.find(&bob.id).await.unwrap().as_ref(),
        Some(bob),
        "others untouched"
    );

    // A new handle on the same database, as after a restart: the lock is still there.
    drop(repo);
    drop(db);
    let db = tdb.migrated().await;
    let repo = db.users();
    let found = repo.find(&alice.id).await.unwrap().unwrap();
    assert_eq!(found.login_attempts, locked);
    assert!(found.login_attempts.is_locked(UnixTime::from_secs(10_059)));

    repo.reset_login_failures(&alice.id).await.unwrap();
    assert_eq!(
        repo.find(&alice.id).await.unwrap().unwrap().login_attempts,
        LoginAttempts::default()
    );
    // The locked fixture user resets too; the doubling starts over.
    let carol = &people[1];
    assert_eq!(
        repo.find(&carol.id).await.unwrap().unwrap().login_attempts,
        carol.login_attempts
    );
    repo.reset_login_failures(&carol.id).await.unwrap();
    assert_eq!(
        repo.find(&carol.id).await.unwrap().unwrap().login_attempts,
        LoginAttempts::default()
    );

    let nobody = UserId::from_random([9; 16]);
    assert!(matches!(
        repo.record_login_failure(&nobody, now, policy).await,
        Err(RepositoryError::Other(_))
    ));
    assert!(matches!(
        repo.reset_login_failures(&nobody).await,
        Err(RepositoryError::Other(_))
    ));
}
all_backends!(
    asvs_6_3_1_lockout_state,
    asvs_6_3_1_login_failures_lock_reset_and_survive_reopening
);

/// ASVS 6.3.1 / R-06: 16 failures counted at once, through two database handles (two
/// processes), are all counted: none is lost to a concurrent update.
async fn asvs_6_3_1_parallel_login_failures_are_all_counted(tdb: TestBackend) {
    // Users 1 and 4: nothing counted yet.
    let (db, people, _, _) = seeded(&tdb, 4).await;
    let other_process = tdb.migrated().await;
    let now = UnixTime::from_secs(10_000);

    // Counting only (a threshold never reached): every racer saw a different count.
    let counting = LockoutPolicy {
        threshold: 100,
        ..LockoutPolicy::default()
    };
    let seen = race(&db, &other_process, &people[0].id, now, counting).await;
    let mut counts: Vec<u32> = seen.iter().map(|a| a.failed).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=RACERS as u32).collect::<Vec<_>>());
    let stored = db.users().find(&people[0].id).await.unwrap().unwrap();
    assert_eq!(stored.login_attempts.failed, RACERS as u32);

    // With the default policy: 16 failures are 3 locks of 5 and one more.
    let policy = LockoutPolicy::default();
    race(&db, &other_process, &people[3].id, now, policy).await;
    let stored = db.users().find(&people[3].id).await.unwrap().unwrap();
    assert_eq!(
        stored.login_attempts,
        LoginAttempts {
            failed: 1,
            // The third lock: 60 × 2² s from the time of the failures.
            locked_until: Some(now.plus(240)),
            lockouts: 3,
        }
    );
}
all_backends!(
    asvs_6_3_1_parallel_failures,
    asvs_6_3_1_parallel_login_failures_are_all_counted
);

/// [`RACERS`] failures of `id` at once, alternating between two database handles.
async fn race(
    a: &Repositories,
    b: &Repositories,
    id: &UserId,
    now: UnixTime,
    policy: LockoutPolicy,
) -> Vec<LoginAttempts> {
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|i| {
            let repo = if i % 2 == 0 { a.users() } else { b.users() };
            let (start, id) = (Arc::clone(&start), id.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.record_login_failure(&id, now, policy).await
            })
        })
        .collect();
    let mut seen = Vec::new();
    for racer in racers {
        seen.push(racer.await.unwrap().expect("every failure is counted"));
    }
    seen
}

async fn sessions_expire_and_are_deleted(tdb: TestBackend) {
    let (db, people, _, _) = seeded(&tdb, 2).await;
    let repo = db.sessions();
    let (alice, bob) = (&people[0], &people[1]);
    let s1 = session("s1", alice, 2_000);
    let s2 = session("s2", alice, 3_000);
    let s3 = session("s3", bob, 3_000);
    for s in [&s1, &s2, &s3] {
        repo.insert(s).await.unwrap();
    }
    assert!(matches!(
        repo.insert(&s1).await,
        Err(RepositoryError::Conflict)
    ));

    let at = UnixTime::from_secs;
    assert_eq!(
        repo.find(&s1.digest, at(1_999)).await.unwrap(),
        Some(s1.clone())
    );
    assert_eq!(
        repo.find(&s1.digest, at(2_000)).await.unwrap(),
        None,
        "expiry is exclusive"
    );
    assert_eq!(repo.find(&s1.digest, at(2_500)).await.unwrap(), None);
    assert_eq!(
        repo.find(&TokenDigest::of("nope"), at(0)).await.unwrap(),
        None
    );

    repo.delete(&s2.digest).await.unwrap();
    repo.delete(&s2.digest).await.unwrap();
    assert_eq!(repo.find(&s2.digest, at(0)).await.unwrap(), None);

    repo.insert(&s2).await.unwrap();
    assert_eq!(repo.delete_for_user(&alice.id).await.unwrap(), 2);
    assert_eq!(repo.delete_for_user(&alice.id).await.unwrap(), 0);
    assert_eq!(repo.find(&s1.digest, at(0)).await.unwrap(), None);
    assert_eq!(
        repo.find(&s3.digest, at(0)).await.unwrap(),
        Some(s3),
        "other users keep theirs"
    );

    let ghost = user(9);
    assert!(
        repo.insert(&session("g", &ghost, 5)).await.is_err(),
        "a session needs a stored user"
    );
}
all_backends!(sessions, sessions_expire_and_are_deleted);

async fn consent_upsert_replaces(tdb: TestBackend) {
    let (db, people, app, other) = seeded(&tdb, 1).await;
    let repo = db.consents();
    let alice = &people[0];
    assert_eq!(repo.find(&alice.id, &app.id).await.unwrap(), None);

    let first = Consent {
        resources: Vec::new(),
        user_id: alice.id.clone(),
        client_id: app.id.clone(),
        scope: ScopeSet::parse("openid").unwrap(),
        granted_at: UnixTime::from_secs(10),
    };
    repo.upsert(&first).await.unwrap();
    assert_eq!(
        repo.find(&alice.id, &app.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(repo.find(&alice.id, &other.id).await.unwrap(), None);

    let wider = Consent {
        scope: ScopeSet::parse("openid email profile").unwrap(),
        granted_at: UnixTime::from_secs(20),
        ..first.clone()
    };
    repo.upsert(&wider).await.unwrap();
    assert_eq!(
        repo.find(&alice.id, &app.id).await.unwrap(),
        Some(wider.clone())
    );
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "consents", "").await, 1, "replaced, not added");
    }

    let for_other = Consent {
        client_id: other.id.clone(),
        ..first
    };
    repo.upsert(&for_other).await.unwrap();
    assert!(repo.delete(&alice.id, &app.id).await.unwrap());
    assert!(!repo.delete(&alice.id, &app.id).await.unwrap());
    assert_eq!(repo.find(&alice.id, &app.id).await.unwrap(), None);
    assert_eq!(
        repo.find(&alice.id, &other.id).await.unwrap(),
        Some(for_other)
    );
}
all_backends!(consents, consent_upsert_replaces);

async fn codes_are_consumed_once(tdb: TestBackend) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.authorization_codes();
    let alice = &people[0];
    let full = code("c-full", alice, &app, "grant-1");
    let bare = AuthorizationCode {
        sid: None,
        redirect_uri: None,
        code_challenge: None,
        nonce: None,
        scope: ScopeSet::default(),
        ..code("c-bare", alice, &app, "grant-2")
    };
    repo.insert(&full).await.unwrap();
    repo.insert(&bare).await.unwrap();
    assert!(matches!(
        repo.insert(&full).await,
        Err(RepositoryError::Conflict)
    ));

    let now = UnixTime::from_secs(1_000);
    assert_eq!(
        repo.consume(&full.digest, now).await.unwrap(),
        CodeRedemption::Redeemed(Box::new(full.clone()))
    );
    assert_eq!(
        repo.consume(&full.digest, now).await.unwrap(),
        CodeRedemption::AlreadyUsed {
            grant_id: "grant-1".into()
        }
    );
    assert_eq!(
        repo.consume(&TokenDigest::of("nope"), now).await.unwrap(),
        CodeRedemption::NotFound
    );

    // Expiry is the caller's check: an expired code comes back, and is used up all the same.
    let late = UnixTime::from_secs(5_000);
    assert_eq!(
        repo.consume(&bare.digest, late).await.unwrap(),
        CodeRedemption::Redeemed(Box::new(bare.clone()))
    );
    assert_eq!(
        repo.consume(&bare.digest, late).await.unwrap(),
        CodeRedemption::AlreadyUsed {
            grant_id: "grant-2".into()
        }
    );
    // The stored mark itself (SQL only: the port does not expose `used_at`).
    if let Some(sql) = tdb.sql() {
        assert_eq!(
            sql.query_text(
                "SELECT CAST(used_at AS TEXT) AS value FROM authorization_codes \
                            WHERE grant_id = 'grant-2'"
            )
            .await,
            "5000"
        );
    }
}
all_backends!(codes, codes_are_consumed_once);

async fn refresh_tokens_rotate_and_revoke(tdb: TestBackend) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let alice = &people[0];
    let t1 = refresh("t1", "fam", alice, &app);
    repo.insert(&t1).await.unwrap();
    assert!(matches!(
        repo.insert(&t1).await,
        Err(RepositoryError::Conflict)
    ));
    let fresh = |token: &RefreshToken| StoredRefreshToken {
        token: token.clone(),
        used: false,
        used_at: None,
        replay: None,
        revoked: false,
    };
    assert_eq!(repo.find(&t1.digest).await.unwrap(), Some(fresh(&t1)));
    assert_eq!(repo.find(&TokenDigest::of("nope")).await.unwrap(), None);

    let now = UnixTime::from_secs(2_000);
    // A successor bound to a DPoP key (RFC 9449 §5) keeps its thumbprint.
    let t2 = RefreshToken {
        dpop_jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()),
        digest: TokenDigest::of("t2"),
        scope: ScopeSet::parse("openid").unwrap(),
        expires_at: UnixTime::from_secs(6_000),
        ..t1.clone()
    };
    assert!(repo.rotate(&t1.digest, now, &t2, None).await.unwrap());
    let old = repo.find(&t1.digest).await.unwrap().unwrap();
    assert!(old.used && !old.revoked);
    assert_eq!(old.used_at, Some(now));
    assert_eq!(old.replay, None, "no replay kept when none is given");
    assert_eq!(old.token, t1);
    assert_eq!(repo.find(&t2.digest).await.unwrap(), Some(fresh(&t2)));

    // Reuse of the rotated token: refused, and nothing is stored.
    let t3 = RefreshToken {
        dpop_jkt: None,
        digest: TokenDigest::of("t3"),
        ..t1.clone()
    };
    assert!(!repo.rotate(&t1.digest, now, &t3, None).await.unwrap());
    assert_eq!(repo.find(&t3.digest).await.unwrap(), None);
    assert!(!repo
        .rotate(&TokenDigest::of("nope"), now, &t3, None)
        .await
        .unwrap());
    assert_eq!(repo.find(&t3.digest).await.unwrap(), None);
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "refresh_tokens", "").await, 2);
    }
}
all_backends!(refresh_tokens, refresh_tokens_rotate_and_revoke);

async fn revoke_family_marks_every_member(tdb: TestBackend) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let alice = &people[0];
    let now = UnixTime::from_secs(2_000);
    let chain: Vec<RefreshToken> = (0..4)
        .map(|i| refresh(&format!("f{i}"), "fam", alice, &app))
        .collect();
    repo.insert(&chain[0]).await.unwrap();
    for pair in chain.windows(2) {
        assert!(repo
            .rotate(&pair[0].digest, now, &pair[1], None)
            .await
            .unwrap());
    }
    let bystander = refresh("b0", "other-fam", alice, &app);
    repo.insert(&bystander).await.unwrap();

    assert_eq!(repo.revoke_family("fam").await.unwrap(), 4);
    for (i, t) in chain.iter().enumerate() {
        let stored = repo.find(&t.digest).await.unwrap().unwrap();
        assert!(stored.revoked, "member {i}");
        assert_eq!(stored.used, i < 3, "member {i}");
    }
    let b = repo.find(&bystander.digest).await.unwrap().unwrap();
    assert!(!b.revoked, "other families untouched");
    assert_eq!(
        repo.revoke_family("fam").await.unwrap(),
        0,
        "already revoked"
    );
    assert_eq!(repo.revoke_family("no-such-family").await.unwrap(), 0);

    // The newest member was never used, but its family is revoked: no rotation.
    let successor = refresh("f4", "fam", alice, &app);
    assert!(!repo
        .rotate(&chain[3].digest, now, &successor, None)
        .await
        .unwrap());
    assert_eq!(repo.find(&successor.digest).await.unwrap(), None);
    let last = repo.find(&chain[3].digest).await.unwrap().unwrap();
    assert!(!last.used, "a refused rotation changes nothing");
}
all_backends!(revoke_family, revoke_family_marks_every_member);

/// A rotation that commits its successor while `revoke_family` waits for the lock of the
/// rotated member must not leave that successor alive (PostgreSQL READ COMMITTED would, with
/// a single UPDATE, since the successor is not in that statement's snapshot).
async fn revoke_family_catches_a_concurrent_rotation(tdb: TestDatabase) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let alice = &people[0];
    let t1 = refresh("t1", "fam", alice, &app);
    let t2 = refresh("t2", "fam", alice, &app);
    repo.insert(&t1).await.unwrap();
    assert!(repo
        .rotate(&t1.digest, UnixTime::from_secs(1), &t2, None)
        .await
        .unwrap());

    // A rotation of t2 -> t3 in flight on a connection of its own, as `rotate` does it.
    let t3 = TokenDigest::of("t3");
    let mut rotation = tdb.raw_connection().await;
    let begin = match tdb.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    rotation
        .execute(&format!(
            "{begin}; \
             UPDATE refresh_tokens SET used_at = 2 WHERE digest = {t2} AND used_at IS NULL \
             AND revoked = false; \
             INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scope, \
             expires_at, family_expires_at, auth_time) \
             SELECT {t3}, grant_id, client_id, user_id, scope, expires_at, family_expires_at, \
             auth_time FROM refresh_tokens WHERE digest = {t2}",
            t2 = bytes_literal(tdb.backend(), &t2.digest),
            t3 = bytes_literal(tdb.backend(), &t3),
        ))
        .await;

    let revoking = tokio::spawn({
        let repo = Arc::clone(&repo);
        async move { repo.revoke_family("fam").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !revoking.is_finished(),
        "revoke_family waits for the rotation"
    );
    rotation.execute("COMMIT").await;
    assert_eq!(revoking.await.unwrap().unwrap(), 3);

    for (name, digest) in [("t1", &t1.digest), ("t2", &t2.digest), ("t3", &t3)] {
        let stored = repo.find(digest).await.unwrap().unwrap();
        assert!(stored.revoked, "{name} revoked");
    }
}
// SQL only: holds a transaction open on a raw connection.
both_backends!(
    revoke_vs_rotation,
    revoke_family_catches_a_concurrent_rotation
);

async fn deleting_a_user_or_client_cascades(tdb: TestDatabase) {
    let (db, people, app, other) = seeded(&tdb, 2).await;
    let (alice, bob) = (&people[0], &people[1]);
    for (n, u) in [alice, bob].into_iter().enumerate() {
        for c in [&app, &other] {
            let tag = format!("{n}-{}", c.id);
            db.sessions()
                .insert(&session(&format!("s-{tag}"), u, 9_000))
                .await
                .unwrap();
            db.consents()
                .upsert(&Consent {
                    resources: Vec::new(),
                    user_id: u.id.clone(),
                    client_id: c.id.clone(),
                    scope: ScopeSet::parse("openid").unwrap(),
                    granted_at: UnixTime::from_secs(1),
                })
                .await
                .unwrap();
            db.authorization_codes()
                .insert(&code(&format!("c-{tag}"), u, c, &format!("g-{tag}")))
                .await
                .unwrap();
            db.refresh_tokens()
                .insert(&refresh(&format!("r-{tag}"), &format!("g-{tag}"), u, c))
                .await
                .unwrap();
        }
    }
    let tables = [
        "browser_sessions",
        "consents",
        "authorization_codes",
        "refresh_tokens",
    ];
    for t in tables {
        assert_eq!(count(&tdb, t, "").await, 4, "{t}");
    }

    // Foreign keys are per connection on SQLite: switch them on for this raw one.
    let pragma = match tdb.backend() {
        Backend::Sqlite => "PRAGMA foreign_keys = ON;",
        Backend::Postgres => "",
    };
    tdb.execute(&format!(
        "{pragma} DELETE FROM users WHERE id = '{}'",
        alice.id
    ))
    .await;
    let alice_rows = format!("user_id = '{}'", alice.id);
    for t in tables {
        assert_eq!(
            count(&tdb, t, &alice_rows).await,
            0,
            "{t} of the deleted user"
        );
    }
    assert_eq!(count(&tdb, "browser_sessions", "").await, 2);
    for t in &tables[1..] {
        assert_eq!(count(&tdb, t, "").await, 2, "{t} of the other user");
    }

    assert!(db.clients().delete(&other.id).await.unwrap());
    for t in &tables[1..] {
        assert_eq!(count(&tdb, t, "client_id = 'other'").await, 0, "{t}");
        assert_eq!(count(&tdb, t, "").await, 1, "{t}");
    }
    assert_eq!(
        db.consents()
            .find(&bob.id, &app.id)
            .await
            .unwrap()
            .unwrap()
            .client_id,
        app.id
    );
}
// SQL only: writes rows behind the repositories' back.
both_backends!(cascades, deleting_a_user_or_client_cascades);

/// of 16 parallel redemptions of one code exactly one gets it; the others learn the
/// grant to revoke.
async fn r_06_parallel_consume_redeems_once(tdb: TestBackend) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.authorization_codes();
    let c = code("contested", &people[0], &app, "the-grant");
    repo.insert(&c).await.unwrap();

    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (repo, start, digest) = (Arc::clone(&repo), Arc::clone(&start), c.digest.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.consume(&digest, UnixTime::from_secs(1_000)).await
            })
        })
        .collect();
    let (mut redeemed, mut already_used) = (0, 0);
    for racer in racers {
        match racer.await.unwrap().unwrap() {
            CodeRedemption::Redeemed(got) => {
                assert_eq!(*got, c);
                redeemed += 1;
            }
            CodeRedemption::AlreadyUsed { grant_id } => {
                assert_eq!(grant_id, "the-grant");
                already_used += 1;
            }
            CodeRedemption::NotFound => panic!("the code exists"),
        }
    }
    assert_eq!((redeemed, already_used), (1, RACERS - 1));
}
all_backends!(r_06_consume, r_06_parallel_consume_redeems_once);

/// of 16 parallel rotations of one refresh token exactly one succeeds, and only its
/// successor is stored.
async fn r_06_parallel_rotate_succeeds_once(tdb: TestBackend) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let old = refresh("contested", "fam", &people[0], &app);
    repo.insert(&old).await.unwrap();
    let successors: Vec<RefreshToken> = (0..RACERS)
        .map(|i| refresh(&format!("successor-{i}"), "fam", &people[0], &app))
        .collect();

    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = successors
        .iter()
        .map(|successor| {
            let (repo, start) = (Arc::clone(&repo), Arc::clone(&start));
            let (digest, successor) = (old.digest.clone(), successor.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.rotate(&digest, UnixTime::from_secs(2_000), &successor, None)
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, racer) in racers.into_iter().enumerate() {
        if racer.await.unwrap().unwrap() {
            winners.push(i);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one rotation wins: {winners:?}");

    let mut stored = Vec::new();
    for (i, s) in successors.iter().enumerate() {
        if repo.find(&s.digest).await.unwrap().is_some() {
            stored.push(i);
        }
    }
    assert_eq!(stored, winners, "only the winner's successor is stored");
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "refresh_tokens", "").await, 2);
    }
    assert!(repo.find(&old.digest).await.unwrap().unwrap().used);
}
all_backends!(r_06_rotate, r_06_parallel_rotate_succeeds_once);

/// a rotation keeps the replay on the spent row, in the same statement that spends it;
/// replays are claimed while the row holds one, is not revoked and has some left.
async fn r_10_rotate_keeps_the_replay_and_claims_are_bounded(tdb: TestDatabase) {
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let alice = &people[0];
    let now = UnixTime::from_secs(2_000);
    let (t1, t2, t3) = (
        refresh("t1", "fam", alice, &app),
        refresh("t2", "fam", alice, &app),
        refresh("t3", "fam", alice, &app),
    );
    repo.insert(&t1).await.unwrap();
    assert!(
        !repo.claim_replay(&t1.digest, 5).await.unwrap(),
        "an unspent token has no replay"
    );
    // Every byte value survives the round trip.
    let blob: Vec<u8> = (0..=255u8).rev().collect();
    assert!(repo
        .rotate(&t1.digest, now, &t2, Some(blob.clone()))
        .await
        .unwrap());
    let old = repo.find(&t1.digest).await.unwrap().unwrap();
    assert!(old.used);
    assert_eq!(old.used_at, Some(now));
    assert_eq!(old.replay.as_ref(), Some(&blob));
    assert_eq!(repo.find(&t2.digest).await.unwrap().unwrap().replay, None);

    // A lost rotation leaves the winner's replay alone.
    assert!(!repo
        .rotate(&t1.digest, now, &t3, Some(b"loser".to_vec()))
        .await
        .unwrap());
    assert_eq!(
        repo.find(&t1.digest).await.unwrap().unwrap().replay,
        Some(blob)
    );

    assert!(repo.claim_replay(&t1.digest, 2).await.unwrap());
    assert!(repo.claim_replay(&t1.digest, 2).await.unwrap());
    assert!(!repo.claim_replay(&t1.digest, 2).await.unwrap(), "spent");
    assert!(
        repo.claim_replay(&t1.digest, 3).await.unwrap(),
        "max is the caller's"
    );
    let t1_row = format!("digest = {}", bytes_literal(tdb.backend(), &t1.digest));
    assert_eq!(
        count(
            &tdb,
            "refresh_tokens",
            &format!("{t1_row} AND replay_count = 3")
        )
        .await,
        1
    );
    assert!(!repo
        .claim_replay(&TokenDigest::of("nope"), 5)
        .await
        .unwrap());
    // A rotation without a replay keeps none to claim.
    assert!(repo.rotate(&t2.digest, now, &t3, None).await.unwrap());
    assert!(!repo.claim_replay(&t2.digest, 5).await.unwrap());
    // A revoked family has no replays left, whatever the count.
    repo.revoke_family("fam").await.unwrap();
    assert!(!repo.claim_replay(&t1.digest, 100).await.unwrap());
}
// SQL only: reads the stored rows themselves.
both_backends!(
    r_10_rotate_replay,
    r_10_rotate_keeps_the_replay_and_claims_are_bounded
);

/// of 16 parallel claims with a bound of 5, exactly 5 succeed.
async fn r_10_parallel_claims_take_exactly_max(tdb: TestDatabase) {
    const MAX: u32 = 5;
    let (db, people, app, _) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let old = refresh("contested", "fam", &people[0], &app);
    let next = refresh("next", "fam", &people[0], &app);
    repo.insert(&old).await.unwrap();
    assert!(repo
        .rotate(
            &old.digest,
            UnixTime::from_secs(2_000),
            &next,
            Some(b"sealed".to_vec())
        )
        .await
        .unwrap());

    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (repo, start, digest) = (Arc::clone(&repo), Arc::clone(&start), old.digest.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.claim_replay(&digest, MAX).await
            })
        })
        .collect();
    let mut claimed = 0;
    for racer in racers {
        if racer.await.unwrap().unwrap() {
            claimed += 1;
        }
    }
    assert_eq!(claimed, MAX, "exactly {MAX} of {RACERS} claims succeed");
    let row = format!("digest = {}", bytes_literal(tdb.backend(), &old.digest));
    assert_eq!(
        count(
            &tdb,
            "refresh_tokens",
            &format!("{row} AND replay_count = {MAX}")
        )
        .await,
        1
    );
}
// SQL only: reads the stored rows themselves.
both_backends!(r_10_parallel_claims, r_10_parallel_claims_take_exactly_max);

/// R-08 / ASVS 6.3.1: an attempt the hasher refused is taken back only while the row still
/// holds exactly what that attempt counted (a lock it caused included); once anything else
/// was counted, nothing is erased.
async fn unchecked_attempts_are_taken_back_by_compare_and_swap(tdb: TestBackend) {
    let (db, people, _, _) = seeded(&tdb, 4).await;
    let alice = &people[0];
    let repo = db.users();
    let policy = LockoutPolicy::default();
    let now = UnixTime::from_secs(10_000);
    let before = alice.login_attempts;
    let counted = repo
        .record_login_failure(&alice.id, now, policy)
        .await
        .unwrap();
    assert!(repo
        .undo_login_failure(&alice.id, counted, before)
        .await
        .unwrap());
    assert_eq!(
        repo.find(&alice.id).await.unwrap().unwrap().login_attempts,
        before
    );

    // Four failures, then the fifth locks; undoing the fifth lifts exactly that lock.
    let mut last = before;
    for _ in 0..4 {
        last = repo
            .record_login_failure(&alice.id, now, policy)
            .await
            .unwrap();
    }
    let locking = repo
        .record_login_failure(&alice.id, now, policy)
        .await
        .unwrap();
    assert!(locking.is_locked(now));
    assert!(repo
        .undo_login_failure(&alice.id, locking, last)
        .await
        .unwrap());
    assert_eq!(
        repo.find(&alice.id).await.unwrap().unwrap().login_attempts,
        last
    );

    // Stale: another failure was counted since, so the undo changes nothing.
    let mine = repo
        .record_login_failure(&alice.id, now, policy)
        .await
        .unwrap();
    let theirs = repo
        .record_login_failure(&alice.id, now, policy)
        .await
        .unwrap();
    assert!(!repo
        .undo_login_failure(&alice.id, mine, last)
        .await
        .unwrap());
    assert_eq!(
        repo.find(&alice.id).await.unwrap().unwrap().login_attempts,
        theirs
    );
}
all_backends!(
    r_08_undo_unchecked_attempt,
    unchecked_attempts_are_taken_back_by_compare_and_swap
);

/// Issue 11: a database from before emails were canonical. The migration lower-cases stored
/// addresses except where two differ only by case; those stay as they were, are still found
/// (the oldest answers), verify, and keep the address from being registered again.
async fn canonical_emails_migration_and_legacy_rows(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    let repo = db.users();
    let (lone, twin_old, twin_new) = (user(4), user(5), user(6));
    for u in [&lone, &twin_old, &twin_new] {
        repo.insert(u).await.unwrap();
    }
    // Back to the state before the migration, with addresses stored as typed.
    let set_email = |u: &User, email: &str| {
        format!(
            "UPDATE users SET email = '{email}' WHERE id = '{}';",
            u.id.as_str()
        )
    };
    tdb.execute(&format!(
        "DROP INDEX users_email_lower; \
         DELETE FROM __diesel_schema_migrations WHERE version = '20261128000011'; {} {} {}",
        set_email(&lone, "Lone.Person@Example.com"),
        set_email(&twin_old, "Twin@example.com"),
        set_email(&twin_new, "TWIN@example.com"),
    ))
    .await;
    assert_eq!(
        db.migrate().await.unwrap(),
        vec!["20261128000011".to_owned()]
    );

    let stored = |u: &User| {
        format!(
            "SELECT email AS value FROM users WHERE id = '{}'",
            u.id.as_str()
        )
    };
    assert_eq!(
        tdb.query_text(&stored(&lone)).await,
        "lone.person@example.com"
    );
    assert_eq!(tdb.query_text(&stored(&twin_old)).await, "Twin@example.com");
    assert_eq!(tdb.query_text(&stored(&twin_new)).await, "TWIN@example.com");

    let lone_email = Email::parse("LONE.person@example.com").unwrap();
    let found = repo.find_by_email(&lone_email).await.unwrap().unwrap();
    assert_eq!(found.id, lone.id);
    assert_eq!(found.email.as_str(), "lone.person@example.com");

    // The colliding rows: the oldest answers to the address, read in canonical form.
    let twin = Email::parse("twin@example.com").unwrap();
    let found = repo.find_by_email(&twin).await.unwrap().unwrap();
    assert_eq!(found.id, twin_old.id, "the oldest");
    assert_eq!(found.email, twin);
    assert!(repo.mark_email_verified(&twin_old.id, &twin).await.unwrap());

    // No new account with the address, in any case.
    let mut again = user(7);
    again.email = twin.clone();
    assert!(matches!(
        repo.insert(&again).await,
        Err(RepositoryError::Conflict)
    ));
    again.email = lone_email;
    assert!(matches!(
        repo.insert(&again).await,
        Err(RepositoryError::Conflict)
    ));
}
// SQL only: migrations.
both_backends!(
    canonical_emails_migration,
    canonical_emails_migration_and_legacy_rows
);
