//! The PostgreSQL change feed: two handles on one database stand for two processes. What one
//! changes (a revocation, a client row, even by raw SQL behind Tessera's back) the other sees
//! without waiting for a TTL, and a handle whose feed is not listening reads the database.

use std::time::{Duration, Instant};

use tessera_adapters::persistence::Database;
use tessera_domain::{
    Client, ClientId, GrantType, ScopeSet, TokenDigest, TokenEndpointAuthMethod, UnixTime,
};
use tessera_tests::TestDatabase;

fn client(id: &str, secret: &str) -> Client {
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
        secret_digest: Some(TokenDigest::of(secret)),
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(1),
    }
}

/// Two handles with listening feeds, once both say their first lookup is served from memory.
async fn two_processes() -> Option<(TestDatabase, Database, Database)> {
    let tdb = TestDatabase::postgres().await?;
    let a = tdb.migrated().await;
    let b = tdb.migrated().await;
    a.start_change_feed();
    b.start_change_feed();
    for db in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !db.change_feed_live() {
            assert!(Instant::now() < deadline, "the change feed never came up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Some((tdb, a, b))
}

/// Polls `check` for at most 2 s; returns how long it took to hold.
async fn within_2s(mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "not seen by the other process within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test]
async fn a_revocation_on_one_process_holds_on_the_other() {
    let Some((tdb, a, b)) = two_processes().await else {
        return;
    };
    let far = UnixTime::from_secs(4_000_000_000);
    assert!(!b.revocations().is_revoked("jti-1").await.unwrap());
    a.revocations().revoke("jti-1", far).await.unwrap();
    assert!(
        a.revocations().is_revoked("jti-1").await.unwrap(),
        "the writer sees its own revocation at once"
    );
    let took = within_2s(async || b.revocations().is_revoked("jti-1").await.unwrap()).await;
    println!("revocation seen by the other handle after {took:?}");
    // Behind Tessera's back: a row inserted by SQL is announced by the trigger too.
    tdb.execute("INSERT INTO revoked_tokens (jti, expires_at) VALUES ('by-sql', 4000000000)")
        .await;
    within_2s(async || b.revocations().is_revoked("by-sql").await.unwrap()).await;
    assert!(!b.revocations().is_revoked("never").await.unwrap());
}

#[tokio::test]
async fn a_revocation_made_before_the_feed_started_is_loaded() {
    let Some(tdb) = TestDatabase::postgres().await else {
        return;
    };
    let a = tdb.migrated().await;
    a.revocations()
        .revoke("early", UnixTime::from_secs(4_000_000_000))
        .await
        .unwrap();
    let b = tdb.migrated().await;
    b.start_change_feed();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.change_feed_live() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(b.revocations().is_revoked("early").await.unwrap());
    assert!(!b.revocations().is_revoked("late").await.unwrap());
}

#[tokio::test]
async fn a_client_changed_on_one_process_is_read_anew_on_the_other() {
    let Some((tdb, a, b)) = two_processes().await else {
        return;
    };
    let id = ClientId::parse("svc").unwrap();
    a.clients().insert(&client("svc", "old")).await.unwrap();
    // B caches the row (two reads: the second from memory).
    for _ in 0..2 {
        let seen = b.clients().find(&id).await.unwrap().unwrap();
        assert_eq!(seen.secret_digest, Some(TokenDigest::of("old")));
    }
    a.clients()
        .update_secret(&id, &TokenDigest::of("new"))
        .await
        .unwrap();
    let took = within_2s(async || {
        b.clients().find(&id).await.unwrap().unwrap().secret_digest == Some(TokenDigest::of("new"))
    })
    .await;
    println!("secret rotation seen by the other handle after {took:?}");
    // Behind Tessera's back, then deleted.
    tdb.execute("UPDATE clients SET name = 'renamed by sql' WHERE id = 'svc'")
        .await;
    within_2s(async || b.clients().find(&id).await.unwrap().unwrap().name == "renamed by sql")
        .await;
    a.clients().delete(&id).await.unwrap();
    within_2s(async || b.clients().find(&id).await.unwrap().is_none()).await;
}

#[tokio::test]
async fn without_a_feed_every_lookup_reads_the_database() {
    let Some(tdb) = TestDatabase::postgres().await else {
        return;
    };
    let a = tdb.migrated().await;
    let b = tdb.migrated().await; // never started: a one-shot command's handle
    assert!(!b.change_feed_live());
    let id = ClientId::parse("svc").unwrap();
    a.clients().insert(&client("svc", "old")).await.unwrap();
    assert!(b.clients().find(&id).await.unwrap().is_some());
    tdb.execute("UPDATE clients SET name = 'changed' WHERE id = 'svc'")
        .await;
    assert_eq!(
        b.clients().find(&id).await.unwrap().unwrap().name,
        "changed",
        "no feed, no cache: the change is read at once"
    );
    tdb.execute("INSERT INTO revoked_tokens (jti, expires_at) VALUES ('x', 4000000000)")
        .await;
    assert!(b.revocations().is_revoked("x").await.unwrap());
}
