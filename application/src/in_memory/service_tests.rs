//! Services run on the in-memory repositories: what they leave stored, not which calls they
//! make (the mock tests next to each service check the calls where the call is the point).

use std::sync::Arc;

use secrecy::ExposeSecret;
use tessera_domain::{BrowserSession, TokenDigest, UnixTime, UserId};

use super::{InMemoryHousekeeping, InMemoryStore};
use crate::ports::{ApiKeyRepository, PurgeKind, SessionRepository, UserRepository};
use crate::services::test_support::{clock_at, counting_rng, user};
use crate::services::{ApiKeys, Housekeeping};

const NOW: i64 = 1_000_000;

#[tokio::test]
async fn an_api_key_works_until_revoked_and_keeps_its_first_revocation() {
    let store = Arc::new(InMemoryStore::new());
    let keys = ApiKeys::new(store.clone(), clock_at(NOW), counting_rng());
    let (created, full) = keys.create("ci", "read", None).await.unwrap();

    let used = keys.authenticate(full.expose_secret()).await.unwrap();
    assert_eq!(used.map(|k| k.prefix), Some(created.prefix.clone()));
    let stored = ApiKeyRepository::find(store.as_ref(), &created.prefix)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.last_used_at,
        Some(UnixTime::from_secs(NOW)),
        "use recorded"
    );

    assert!(keys.revoke(created.prefix.as_str()).await.unwrap());
    assert!(
        !keys.revoke(created.prefix.as_str()).await.unwrap(),
        "a second revocation changes nothing"
    );
    assert!(keys
        .authenticate(full.expose_secret())
        .await
        .unwrap()
        .is_none());
    let listed = keys.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed.first().and_then(|k| k.revoked_at),
        Some(UnixTime::from_secs(NOW))
    );
}

#[tokio::test]
async fn housekeeping_removes_expired_sessions_and_keeps_live_ones() {
    let store = Arc::new(InMemoryStore::new());
    UserRepository::insert(store.as_ref(), &user())
        .await
        .unwrap();
    let session = |cookie: &str, expires_at: i64| BrowserSession {
        sid: format!("sid-{cookie}"),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(cookie),
        user_id: user().id,
        auth_time: UnixTime::from_secs(0),
        expires_at: UnixTime::from_secs(expires_at),
    };
    for i in 0..5 {
        let s = session(&format!("old-{i}"), NOW - i);
        SessionRepository::insert(store.as_ref(), &s).await.unwrap();
    }
    SessionRepository::insert(store.as_ref(), &session("live", NOW + 1))
        .await
        .unwrap();

    let housekeeping = Housekeeping::new(Arc::new(InMemoryHousekeeping::new(store.clone(), 60)), 2);
    let report = housekeeping
        .run_once(UnixTime::from_secs(NOW))
        .await
        .unwrap();
    assert_eq!(report.count(PurgeKind::BrowserSessions), 5, "{report:?}");
    let now = UnixTime::from_secs(NOW);
    assert!(
        SessionRepository::find(store.as_ref(), &TokenDigest::of("live"), now)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        SessionRepository::delete_for_user(store.as_ref(), &user().id)
            .await
            .unwrap(),
        1,
        "only the live session is left"
    );
    let nobody = UserId::parse("00000000-0000-4000-8000-000000000009").unwrap();
    let left = SessionRepository::delete_for_user(store.as_ref(), &nobody).await;
    assert_eq!(left.unwrap(), 0);
}
