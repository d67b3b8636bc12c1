//! The repository contract of account management (emailed-link tokens, user updates and
//! deletion, revoking every refresh-token family of a user), run on SQLite and on PostgreSQL
//! like the rest of the contract suite in `repositories.rs`.

use std::sync::Arc;

use tessera_adapters::Backend;
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthorizationCode, BrowserSession, Client, ClientId, Consent, Email, EmailToken,
    EmailTokenPurpose, GrantType, RedirectUri, RefreshToken, ScopeSet, TokenDigest,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};
use tessera_tests::{
    all_backends, both_backends, OpenRepositories, Repositories, TestBackend, TestDatabase,
};

use EmailTokenPurpose::{ResetPassword, VerifyEmail};

/// How many requests race in the R-06 test.
const RACERS: usize = 8;

/// When the fixtures' tokens are made.
const MADE_AT: i64 = 10_000;

fn user(n: u8) -> User {
    // Odd users have no name and an unverified address.
    let even = n & 1 == 0;
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("Person.{n}@Example.COM")).unwrap(),
        email_verified: even,
        name: even.then(|| format!("Person ☃ {n}")),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n}"),
        created_at: UnixTime::from_secs(1_000 + i64::from(n)),
        disabled: false,
        login_attempts: Default::default(),
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

/// A token for `purpose` of `user`, sent to the user's address at [`MADE_AT`].
fn email_token(secret: &str, user: &User, purpose: EmailTokenPurpose) -> EmailToken {
    EmailToken::new(
        TokenDigest::of(secret),
        user.id.clone(),
        purpose,
        user.email.clone(),
        UnixTime::from_secs(MADE_AT),
    )
}

fn session(secret: &str, user: &User) -> BrowserSession {
    BrowserSession {
        sid: format!("sid-{secret}"),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        user_id: user.id.clone(),
        auth_time: UnixTime::from_secs(900),
        expires_at: UnixTime::from_secs(9_000),
    }
}

fn code(secret: &str, user: &User, client: &Client) -> AuthorizationCode {
    AuthorizationCode {
        sid: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        client_id: client.id.clone(),
        user_id: user.id.clone(),
        grant_id: format!("grant-{secret}"),
        redirect_uri: None,
        code_challenge: None,
        scope: ScopeSet::parse("openid").unwrap(),
        nonce: None,
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

/// A migrated database holding `users` users (1..=n) and the client `app`.
async fn seeded(tdb: &impl OpenRepositories, users: u8) -> (Repositories, Vec<User>, Client) {
    let db = tdb.repositories().await;
    let people: Vec<User> = (1..=users).map(user).collect();
    for u in &people {
        db.users().insert(u).await.unwrap();
    }
    let app = client("app");
    db.clients().insert(&app).await.unwrap();
    (db, people, app)
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

async fn email_tokens_are_found_and_consumed_once(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 1).await;
    let repo = db.email_tokens();
    let alice = &people[0];
    let verify = email_token("v", alice, VerifyEmail);
    let reset = email_token("r", alice, ResetPassword);
    repo.insert(&verify).await.unwrap();
    repo.insert(&reset).await.unwrap();
    assert!(matches!(
        repo.insert(&verify).await,
        Err(RepositoryError::Conflict)
    ));
    assert!(
        repo.insert(&email_token("g", &user(9), VerifyEmail))
            .await
            .is_err(),
        "a token needs a stored user"
    );

    let now = UnixTime::from_secs(MADE_AT + 60);
    // Every field comes back; finding does not use the token up.
    for _ in 0..2 {
        assert_eq!(
            repo.find(&verify.digest, VerifyEmail, now).await.unwrap(),
            Some(verify.clone())
        );
    }
    assert_eq!(
        repo.find(&verify.digest, ResetPassword, now).await.unwrap(),
        None,
        "wrong purpose"
    );
    assert_eq!(
        repo.find(&TokenDigest::of("nope"), VerifyEmail, now)
            .await
            .unwrap(),
        None
    );
    let reset_end = reset.expires_at;
    assert_eq!(
        repo.find(
            &reset.digest,
            ResetPassword,
            UnixTime::from_secs(reset_end.as_secs() - 1)
        )
        .await
        .unwrap(),
        Some(reset.clone())
    );
    assert_eq!(
        repo.find(&reset.digest, ResetPassword, reset_end)
            .await
            .unwrap(),
        None,
        "expiry is exclusive"
    );

    // A consume that does not qualify leaves the token as it is.
    assert_eq!(
        repo.consume(&verify.digest, ResetPassword, now)
            .await
            .unwrap(),
        None,
        "wrong purpose"
    );
    assert_eq!(
        repo.consume(&reset.digest, ResetPassword, reset_end)
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        repo.consume(&TokenDigest::of("nope"), VerifyEmail, now)
            .await
            .unwrap(),
        None
    );
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "email_tokens", "").await, 2);
    }

    assert_eq!(
        repo.consume(&verify.digest, VerifyEmail, now)
            .await
            .unwrap(),
        Some(verify.clone())
    );
    assert_eq!(
        repo.consume(&verify.digest, VerifyEmail, now)
            .await
            .unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        repo.find(&verify.digest, VerifyEmail, now).await.unwrap(),
        None
    );
    assert_eq!(
        repo.consume(&reset.digest, ResetPassword, now)
            .await
            .unwrap(),
        Some(reset),
        "the other token is still there"
    );
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "email_tokens", "").await, 0);
    }
}
all_backends!(email_tokens, email_tokens_are_found_and_consumed_once);

/// R-06: of 8 parallel consumptions of one token, through two database handles (two
/// processes), exactly one gets it.
async fn r_06_parallel_consume_of_an_email_token_succeeds_once(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 1).await;
    let other_process = tdb.migrated().await;
    let token = email_token("contested", &people[0], ResetPassword);
    db.email_tokens().insert(&token).await.unwrap();

    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|i| {
            let repo = if i % 2 == 0 {
                db.email_tokens()
            } else {
                other_process.email_tokens()
            };
            let (start, digest) = (Arc::clone(&start), token.digest.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.consume(&digest, ResetPassword, UnixTime::from_secs(MADE_AT + 1))
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for racer in racers {
        if let Some(got) = racer.await.unwrap().expect("no racer fails") {
            assert_eq!(got, token);
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one of {RACERS} consumptions wins");
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "email_tokens", "").await, 0);
    }
}
all_backends!(
    r_06_email_token_consume,
    r_06_parallel_consume_of_an_email_token_succeeds_once
);

async fn email_tokens_are_deleted_per_user_and_purpose(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 2).await;
    let repo = db.email_tokens();
    let (alice, bob) = (&people[0], &people[1]);
    let old_reset = email_token("a-r1", alice, ResetPassword);
    let new_reset = email_token("a-r2", alice, ResetPassword);
    let verify = email_token("a-v", alice, VerifyEmail);
    let bobs_reset = email_token("b-r", bob, ResetPassword);
    for t in [&old_reset, &new_reset, &verify, &bobs_reset] {
        repo.insert(t).await.unwrap();
    }

    assert_eq!(
        repo.delete_for_user(&alice.id, ResetPassword)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        repo.delete_for_user(&alice.id, ResetPassword)
            .await
            .unwrap(),
        0
    );
    let now = UnixTime::from_secs(MADE_AT);
    for gone in [&old_reset, &new_reset] {
        assert_eq!(
            repo.find(&gone.digest, ResetPassword, now).await.unwrap(),
            None
        );
    }
    assert_eq!(
        repo.find(&verify.digest, VerifyEmail, now).await.unwrap(),
        Some(verify.clone()),
        "other purposes untouched"
    );
    assert_eq!(
        repo.find(&bobs_reset.digest, ResetPassword, now)
            .await
            .unwrap(),
        Some(bobs_reset),
        "other users untouched"
    );
    assert_eq!(
        repo.delete_for_user(&UserId::from_random([9; 16]), VerifyEmail)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        repo.delete_for_user(&alice.id, VerifyEmail).await.unwrap(),
        1
    );
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "email_tokens", "").await, 1);
    }
}
all_backends!(
    email_tokens_delete_for_user,
    email_tokens_are_deleted_per_user_and_purpose
);

async fn expired_email_tokens_are_purged(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 1).await;
    let repo = db.email_tokens();
    let alice = &people[0];
    // A reset link lives 15 minutes, a verification link a day.
    let reset = email_token("r", alice, ResetPassword);
    let verify = email_token("v", alice, VerifyEmail);
    repo.insert(&reset).await.unwrap();
    repo.insert(&verify).await.unwrap();

    let before = UnixTime::from_secs(reset.expires_at.as_secs() - 1);
    assert_eq!(db.purge_expired_email_tokens(before).await.unwrap(), 0);
    assert_eq!(
        db.purge_expired_email_tokens(reset.expires_at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        repo.find(&verify.digest, VerifyEmail, reset.expires_at)
            .await
            .unwrap(),
        Some(verify.clone())
    );
    assert_eq!(
        db.purge_expired_email_tokens(verify.expires_at)
            .await
            .unwrap(),
        1
    );
    if let Some(sql) = tdb.sql() {
        assert_eq!(count(sql, "email_tokens", "").await, 0);
    }
}
all_backends!(email_tokens_purge, expired_email_tokens_are_purged);

async fn unparsable_email_token_row_is_corrupt(tdb: TestDatabase) {
    let (db, people, _) = seeded(&tdb, 1).await;
    let digest = TokenDigest::of("corrupt");
    let hex: String = digest
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let literal = match tdb.backend() {
        Backend::Sqlite => format!("X'{hex}'"),
        Backend::Postgres => format!("'\\x{hex}'::bytea"),
    };
    tdb.execute(&format!(
        "INSERT INTO email_tokens (digest, user_id, purpose, email, created_at, expires_at) \
         VALUES ({literal}, '{}', 'verify_email', 'not an email', 0, 99999)",
        people[0].id
    ))
    .await;
    let now = UnixTime::from_secs(1);
    assert!(matches!(
        db.email_tokens().find(&digest, VerifyEmail, now).await,
        Err(RepositoryError::Corrupt { .. })
    ));
    assert!(matches!(
        db.email_tokens().consume(&digest, VerifyEmail, now).await,
        Err(RepositoryError::Corrupt { .. })
    ));
}
// SQL only: writes rows behind the repositories' back.
both_backends!(email_token_corrupt, unparsable_email_token_row_is_corrupt);

async fn names_are_set_and_cleared(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 2).await;
    let repo = db.users();
    let (alice, bob) = (&people[0], &people[1]);

    assert!(repo
        .update_name(&alice.id, Some("Alice \"A\" ☃".into()))
        .await
        .unwrap());
    let named = repo.find(&alice.id).await.unwrap().unwrap();
    assert_eq!(named.name.as_deref(), Some("Alice \"A\" ☃"));
    assert_eq!(
        User {
            name: alice.name.clone(),
            ..named
        },
        *alice,
        "nothing else changed"
    );

    assert!(bob.name.is_some());
    assert!(repo.update_name(&bob.id, None).await.unwrap());
    assert_eq!(repo.find(&bob.id).await.unwrap().unwrap().name, None);
    assert_eq!(
        repo.find(&alice.id).await.unwrap().unwrap().name.as_deref(),
        Some("Alice \"A\" ☃"),
        "others untouched"
    );

    assert!(!repo
        .update_name(&UserId::from_random([9; 16]), Some("Ghost".into()))
        .await
        .unwrap());
}
all_backends!(user_names, names_are_set_and_cleared);

async fn email_is_verified_only_for_the_stored_address(tdb: TestBackend) {
    let (db, people, _) = seeded(&tdb, 3).await;
    let repo = db.users();
    let (alice, carol) = (&people[0], &people[2]);
    assert!(!alice.email_verified && !carol.email_verified);

    // Another address (as after a change of address since the link was sent): nothing marked.
    let elsewhere = Email::parse("someone@example.com").unwrap();
    assert!(!repo
        .mark_email_verified(&alice.id, &elsewhere)
        .await
        .unwrap());
    // The same local part at another domain is another address.
    let other_domain = Email::parse("person.1@example.net").unwrap();
    assert!(!repo
        .mark_email_verified(&alice.id, &other_domain)
        .await
        .unwrap());
    // Carol's address, but Alice's account.
    assert!(!repo
        .mark_email_verified(&alice.id, &carol.email)
        .await
        .unwrap());
    assert_eq!(
        repo.find(&alice.id).await.unwrap().as_ref(),
        Some(alice),
        "unchanged"
    );

    assert!(repo
        .mark_email_verified(&alice.id, &alice.email)
        .await
        .unwrap());
    let verified = repo.find(&alice.id).await.unwrap().unwrap();
    assert!(verified.email_verified);
    assert_eq!(
        User {
            email_verified: false,
            ..verified
        },
        *alice,
        "nothing else changed"
    );
    assert_eq!(
        repo.find(&carol.id).await.unwrap().as_ref(),
        Some(carol),
        "others untouched"
    );
    assert!(!repo
        .mark_email_verified(&UserId::from_random([9; 16]), &alice.email)
        .await
        .unwrap());
}
all_backends!(
    user_email_verified,
    email_is_verified_only_for_the_stored_address
);

async fn deleting_a_user_takes_everything_of_theirs(tdb: TestDatabase) {
    let (db, people, app) = seeded(&tdb, 2).await;
    let (alice, bob) = (&people[0], &people[1]);
    for (n, u) in [alice, bob].into_iter().enumerate() {
        db.sessions()
            .insert(&session(&format!("s-{n}"), u))
            .await
            .unwrap();
        db.consents()
            .upsert(&Consent {
                resources: Vec::new(),
                user_id: u.id.clone(),
                client_id: app.id.clone(),
                scope: ScopeSet::parse("openid").unwrap(),
                granted_at: UnixTime::from_secs(1),
            })
            .await
            .unwrap();
        db.authorization_codes()
            .insert(&code(&format!("c-{n}"), u, &app))
            .await
            .unwrap();
        db.refresh_tokens()
            .insert(&refresh(&format!("r-{n}"), &format!("fam-{n}"), u, &app))
            .await
            .unwrap();
        db.email_tokens()
            .insert(&email_token(&format!("v-{n}"), u, VerifyEmail))
            .await
            .unwrap();
        db.email_tokens()
            .insert(&email_token(&format!("p-{n}"), u, ResetPassword))
            .await
            .unwrap();
    }
    let tables = [
        ("browser_sessions", 1),
        ("consents", 1),
        ("authorization_codes", 1),
        ("refresh_tokens", 1),
        ("email_tokens", 2),
    ];

    assert!(db.users().delete(&alice.id).await.unwrap());
    assert_eq!(db.users().find(&alice.id).await.unwrap(), None);
    assert_eq!(db.users().find_by_email(&alice.email).await.unwrap(), None);
    let alice_rows = format!("user_id = '{}'", alice.id);
    let bob_rows = format!("user_id = '{}'", bob.id);
    for (t, per_user) in tables {
        assert_eq!(
            count(&tdb, t, &alice_rows).await,
            0,
            "{t} of the deleted user"
        );
        assert_eq!(
            count(&tdb, t, &bob_rows).await,
            per_user,
            "{t} of the other user"
        );
    }
    assert_eq!(
        db.users().find(&bob.id).await.unwrap().as_ref(),
        Some(bob),
        "the other user stays"
    );

    assert!(
        !db.users().delete(&alice.id).await.unwrap(),
        "already deleted"
    );
    assert!(!db
        .users()
        .delete(&UserId::from_random([9; 16]))
        .await
        .unwrap());
    // The address is free again.
    let again = User {
        id: UserId::from_random([7; 16]),
        ..alice.clone()
    };
    db.users().insert(&again).await.unwrap();
}
// SQL only: reads the stored rows themselves.
both_backends!(user_delete, deleting_a_user_takes_everything_of_theirs);

async fn revoke_for_user_revokes_each_family_once(tdb: TestBackend) {
    let (db, people, app) = seeded(&tdb, 2).await;
    let repo = db.refresh_tokens();
    let (alice, bob) = (&people[0], &people[1]);
    let now = UnixTime::from_secs(2_000);

    // fam-a1: a chain of three (two rotations); fam-a2: one token; fam-a0: already revoked.
    let chain: Vec<RefreshToken> = (0..3)
        .map(|i| refresh(&format!("a1-{i}"), "fam-a1", alice, &app))
        .collect();
    repo.insert(&chain[0]).await.unwrap();
    for pair in chain.windows(2) {
        assert!(repo
            .rotate(&pair[0].digest, now, &pair[1], None)
            .await
            .unwrap());
    }
    let single = refresh("a2", "fam-a2", alice, &app);
    repo.insert(&single).await.unwrap();
    let old = refresh("a0", "fam-a0", alice, &app);
    repo.insert(&old).await.unwrap();
    assert_eq!(repo.revoke_family("fam-a0").await.unwrap(), 1);
    let bobs = refresh("b", "fam-b", bob, &app);
    repo.insert(&bobs).await.unwrap();

    let mut families = repo.revoke_for_user(&alice.id).await.unwrap();
    families.sort();
    assert_eq!(families, vec!["fam-a1".to_owned(), "fam-a2".to_owned()]);
    for t in chain.iter().chain([&single, &old]) {
        let stored = repo.find(&t.digest).await.unwrap().unwrap();
        assert!(stored.revoked, "{} revoked", t.grant_id);
    }
    // No row left unrevoked (SQL only: the port cannot list a user's tokens).
    if let Some(sql) = tdb.sql() {
        assert_eq!(
            count(
                sql,
                "refresh_tokens",
                &format!("user_id = '{}' AND revoked = false", alice.id)
            )
            .await,
            0
        );
    }
    let b = repo.find(&bobs.digest).await.unwrap().unwrap();
    assert!(!b.revoked, "other users' tokens untouched");
    assert!(!b.used);

    assert_eq!(
        repo.revoke_for_user(&alice.id).await.unwrap(),
        Vec::<String>::new(),
        "nothing left to revoke"
    );
    assert_eq!(
        repo.revoke_for_user(&UserId::from_random([9; 16]))
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    // A revoked family cannot rotate any more.
    let successor = refresh("a1-3", "fam-a1", alice, &app);
    assert!(!repo
        .rotate(&chain[2].digest, now, &successor, None)
        .await
        .unwrap());
    assert_eq!(repo.revoke_for_user(&bob.id).await.unwrap(), vec!["fam-b"]);
}
all_backends!(
    refresh_revoke_for_user,
    revoke_for_user_revokes_each_family_once
);

/// A rotation that commits its successor while `revoke_for_user` waits for the lock of the
/// rotated token must not leave that successor alive (see `revoke_family_catches_a_concurrent_
/// rotation` in `repositories_sign_in.rs`).
async fn revoke_for_user_catches_a_concurrent_rotation(tdb: TestDatabase) {
    let (db, people, app) = seeded(&tdb, 1).await;
    let repo = db.refresh_tokens();
    let alice = &people[0];
    let t1 = refresh("t1", "fam", alice, &app);
    repo.insert(&t1).await.unwrap();

    // A rotation of t1 -> t2 in flight on a connection of its own, as `rotate` does it.
    let t2 = TokenDigest::of("t2");
    let literal = |digest: &TokenDigest| {
        let hex: String = digest
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        match tdb.backend() {
            Backend::Sqlite => format!("X'{hex}'"),
            Backend::Postgres => format!("'\\x{hex}'::bytea"),
        }
    };
    let mut rotation = tdb.raw_connection().await;
    let begin = match tdb.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    rotation
        .execute(&format!(
            "{begin}; \
             UPDATE refresh_tokens SET used_at = 2 WHERE digest = {t1} AND used_at IS NULL \
             AND revoked = false; \
             INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scope, \
             expires_at, family_expires_at, auth_time) \
             SELECT {t2}, grant_id, client_id, user_id, scope, expires_at, family_expires_at, \
             auth_time FROM refresh_tokens WHERE digest = {t1}",
            t1 = literal(&t1.digest),
            t2 = literal(&t2),
        ))
        .await;

    let revoking = tokio::spawn({
        let repo = Arc::clone(&repo);
        let id = alice.id.clone();
        async move { repo.revoke_for_user(&id).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !revoking.is_finished(),
        "revoke_for_user waits for the rotation"
    );
    rotation.execute("COMMIT").await;
    assert_eq!(revoking.await.unwrap().unwrap(), vec!["fam"]);

    for (name, digest) in [("t1", &t1.digest), ("t2", &t2)] {
        let stored = repo.find(digest).await.unwrap().unwrap();
        assert!(stored.revoked, "{name} revoked");
    }
}
// SQL only: holds a transaction open on a raw connection.
both_backends!(
    refresh_revoke_for_user_vs_rotation,
    revoke_for_user_catches_a_concurrent_rotation
);
