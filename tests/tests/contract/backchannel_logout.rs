//! The back-channel logout contract on all three backends: which clients got codes in which
//! session (taken once when the session ends), and the durable delivery queue (claims lease
//! rows atomically, retries come back when due, finished rows are purged a week later).

use std::sync::Arc;

use tessera_application::ports::{
    LogoutDeliveryRepository, PurgeKind, LOGOUT_DELIVERY_RETENTION_SECS,
};
use tessera_domain::{
    Client, ClientId, Email, GrantType, LogoutDelivery, ScopeSet, SessionClient,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};
use tessera_tests::{all_backends, Repositories, TestBackend};

const NOW: i64 = 1_800_000_000;

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn user(n: u8) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("person.{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".into(),
        created_at: at(1),
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
        secret_digest: None,
        auth_method: TokenEndpointAuthMethod::None,
        grant_types: vec![GrantType::AuthorizationCode],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid").unwrap(),
        skip_consent: false,
        created_at: at(1),
    }
}

fn entry(sid: &str, client: &str, user: &User, expires_at: i64) -> SessionClient {
    SessionClient {
        sid: sid.to_owned(),
        client_id: ClientId::parse(client).unwrap(),
        user_id: user.id.clone(),
        expires_at: at(expires_at),
    }
}

fn delivery(id: &str, client: &str, due: i64) -> LogoutDelivery {
    LogoutDelivery {
        id: id.to_owned(),
        client_id: ClientId::parse(client).unwrap(),
        uri: format!("https://{client}.example/bc"),
        user_id: UserId::from_random([9; 16]),
        sid: Some(format!("sid-{id}")),
        attempts: 0,
        next_attempt_at: at(due),
        created_at: at(NOW - 5),
    }
}

/// Two users, clients `a` and `b`.
async fn setup(tdb: &TestBackend) -> (Repositories, User, User) {
    let db = tdb.migrated().await;
    let (u1, u2) = (user(1), user(2));
    db.users().insert(&u1).await.unwrap();
    db.users().insert(&u2).await.unwrap();
    for id in ["a", "b"] {
        db.clients().insert(&client(id)).await.unwrap();
    }
    (db, u1, u2)
}

fn sorted(mut v: Vec<SessionClient>) -> Vec<(String, String)> {
    let mut out: Vec<_> = v
        .drain(..)
        .map(|e| (e.sid, e.client_id.as_str().to_owned()))
        .collect();
    out.sort();
    out
}

async fn session_clients_are_taken_once(tdb: TestBackend) {
    let (db, u1, u2) = setup(&tdb).await;
    let sc = db.session_clients();
    sc.record(&entry("s1", "a", &u1, NOW + 100)).await.unwrap();
    // Recording again only moves the expiry.
    sc.record(&entry("s1", "a", &u1, NOW + 200)).await.unwrap();
    sc.record(&entry("s1", "b", &u1, NOW + 100)).await.unwrap();
    sc.record(&entry("s2", "a", &u1, NOW + 100)).await.unwrap();
    sc.record(&entry("s3", "a", &u2, NOW + 100)).await.unwrap();
    let taken = sc.take_for_session("s1").await.unwrap();
    let expiry = taken.iter().find(|e| e.client_id.as_str() == "a").unwrap();
    assert_eq!(expiry.expires_at, at(NOW + 200), "{}", tdb.name());
    assert_eq!(
        sorted(taken),
        vec![("s1".into(), "a".into()), ("s1".into(), "b".into())]
    );
    assert!(
        sc.take_for_session("s1").await.unwrap().is_empty(),
        "taken once"
    );
    // Everything of a user but the session kept; another user's stays.
    sc.record(&entry("s4", "b", &u1, NOW + 100)).await.unwrap();
    let others = sc.take_for_user(&u1.id, Some("s4")).await.unwrap();
    assert_eq!(sorted(others), vec![("s2".into(), "a".into())]);
    let all = sc.take_for_user(&u1.id, None).await.unwrap();
    assert_eq!(sorted(all), vec![("s4".into(), "b".into())]);
    assert_eq!(sc.take_for_user(&u2.id, None).await.unwrap().len(), 1);
}
all_backends!(session_clients_taken_once, session_clients_are_taken_once);

async fn session_clients_go_with_their_client_and_expire(tdb: TestBackend) {
    let (db, u1, _) = setup(&tdb).await;
    let sc = db.session_clients();
    sc.record(&entry("s1", "a", &u1, NOW + 100)).await.unwrap();
    sc.record(&entry("s1", "b", &u1, NOW + 100)).await.unwrap();
    sc.record(&entry("s2", "a", &u1, NOW - 1)).await.unwrap();
    assert!(db
        .clients()
        .delete(&ClientId::parse("b").unwrap())
        .await
        .unwrap());
    let purged = db
        .housekeeping(0)
        .purge(PurgeKind::SessionClients, at(NOW), 100)
        .await
        .unwrap();
    assert_eq!(purged, 1, "{}: the expired session's row", tdb.name());
    assert_eq!(
        sorted(sc.take_for_user(&u1.id, None).await.unwrap()),
        vec![("s1".into(), "a".into())],
        "b went with its client, s2 with its expiry"
    );
}
all_backends!(
    session_clients_cascade_and_purge,
    session_clients_go_with_their_client_and_expire
);

async fn a_claim_leases_due_rows(tdb: TestBackend) {
    let (db, _, _) = setup(&tdb).await;
    let q = db.logout_deliveries();
    q.enqueue(&[delivery("d1", "a", NOW), delivery("d2", "b", NOW + 50)])
        .await
        .unwrap();
    let claimed = q.claim_due(at(NOW), at(NOW + 60), 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "{}: only the due row", tdb.name());
    let d = &claimed[0];
    assert_eq!(d.id, "d1");
    assert_eq!(d.attempts, 1, "the claim counts the attempt");
    assert_eq!(d.next_attempt_at, at(NOW + 60), "leased");
    assert_eq!(d.uri, "https://a.example/bc");
    assert_eq!(d.sid.as_deref(), Some("sid-d1"));
    assert_eq!(d.created_at, at(NOW - 5));
    // Leased: not claimed again before the lease ends, even though it was due.
    let again = q.claim_due(at(NOW + 10), at(NOW + 70), 10).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    // A failed attempt comes back when its retry is due, with its count.
    q.retry_at("d1", at(NOW + 30)).await.unwrap();
    let retried = q.claim_due(at(NOW + 55), at(NOW + 115), 10).await.unwrap();
    let mut ids: Vec<_> = retried.iter().map(|d| (d.id.clone(), d.attempts)).collect();
    ids.sort();
    assert_eq!(ids, vec![("d1".into(), 2), ("d2".into(), 1)]);
    // Finished rows are never claimed again.
    q.delivered("d1", at(NOW + 56)).await.unwrap();
    q.failed("d2", at(NOW + 56)).await.unwrap();
    assert!(q
        .claim_due(at(NOW + 1_000), at(NOW + 1_060), 10)
        .await
        .unwrap()
        .is_empty());
}
all_backends!(logout_claims_lease, a_claim_leases_due_rows);

async fn a_claim_is_bounded_and_oldest_first(tdb: TestBackend) {
    let (db, _, _) = setup(&tdb).await;
    let q = db.logout_deliveries();
    q.enqueue(&[
        delivery("late", "a", NOW - 1),
        delivery("early", "a", NOW - 9),
        delivery("middle", "b", NOW - 5),
    ])
    .await
    .unwrap();
    let first = q.claim_due(at(NOW), at(NOW + 60), 2).await.unwrap();
    let mut ids: Vec<_> = first.iter().map(|d| d.id.clone()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["early".to_owned(), "middle".to_owned()],
        "{}",
        tdb.name()
    );
    let rest = q.claim_due(at(NOW), at(NOW + 60), 2).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id, "late");
}
all_backends!(logout_claims_bounded, a_claim_is_bounded_and_oldest_first);

async fn concurrent_claims_never_share_a_row(tdb: TestBackend) {
    let (db, _, _) = setup(&tdb).await;
    let q: Arc<dyn LogoutDeliveryRepository> = db.logout_deliveries();
    let rows: Vec<_> = (0..20)
        .map(|i| delivery(&format!("d{i:02}"), if i % 2 == 0 { "a" } else { "b" }, NOW))
        .collect();
    q.enqueue(&rows).await.unwrap();
    let claims: Vec<_> = (0..6)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.claim_due(at(NOW), at(NOW + 60), 4).await.unwrap() })
        })
        .collect();
    let mut ids = Vec::new();
    for c in claims {
        ids.extend(c.await.unwrap().into_iter().map(|d| d.id));
    }
    assert!(!ids.is_empty(), "{}: some claim got rows", tdb.name());
    // A claim that lost a race for its rows may come back short (PostgreSQL skips a row
    // another claim just leased); whatever is left is claimed next time.
    let rest = q.claim_due(at(NOW), at(NOW + 60), 100).await.unwrap();
    ids.extend(rest.into_iter().map(|d| d.id));
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "{}: a row claimed twice", tdb.name());
    assert_eq!(count, 20, "every row claimed once");
}
all_backends!(
    logout_claims_concurrent,
    concurrent_claims_never_share_a_row
);

async fn finished_deliveries_are_purged_after_the_retention(tdb: TestBackend) {
    let (db, _, _) = setup(&tdb).await;
    let q = db.logout_deliveries();
    q.enqueue(&[
        delivery("old-ok", "a", NOW),
        delivery("old-failed", "a", NOW),
        delivery("recent", "a", NOW),
        delivery("pending", "b", NOW),
    ])
    .await
    .unwrap();
    let long_ago = NOW - LOGOUT_DELIVERY_RETENTION_SECS - 1;
    q.delivered("old-ok", at(long_ago)).await.unwrap();
    q.failed("old-failed", at(long_ago)).await.unwrap();
    q.delivered("recent", at(NOW - 10)).await.unwrap();
    let purged = db
        .housekeeping(0)
        .purge(PurgeKind::LogoutDeliveries, at(NOW), 100)
        .await
        .unwrap();
    assert_eq!(purged, 2, "{}", tdb.name());
    let left = q.claim_due(at(NOW), at(NOW + 60), 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, "pending", "an unfinished row is never purged");
    // Deliveries go with their client.
    assert!(db
        .clients()
        .delete(&ClientId::parse("b").unwrap())
        .await
        .unwrap());
    q.retry_at("pending", at(NOW)).await.unwrap();
    assert!(q
        .claim_due(at(NOW), at(NOW + 60), 10)
        .await
        .unwrap()
        .is_empty());
}
all_backends!(
    logout_deliveries_purged,
    finished_deliveries_are_purged_after_the_retention
);
