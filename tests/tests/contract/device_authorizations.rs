//! The device authorization contract (RFC 8628) on all three backends: codes stored only as
//! digests, a redemption that exactly one of many concurrent polls wins, a slow_down interval
//! that stays grown, decisions only on a pending, unexpired authorization, and the purge.

use std::sync::Arc;

use tessera_application::ports::{DeviceAuthorizationRepository, PurgeKind};
use tessera_domain::{
    AuthMethods, Client, ClientId, DeviceApproval, DeviceAuthorization, DeviceStatus, Email,
    GrantType, ResourceIdentifier, ScopeSet, TokenDigest, TokenEndpointAuthMethod, UnixTime, User,
    UserId,
};
use tessera_tests::{all_backends, Repositories, TestBackend};

const NOW: i64 = 50_000;

fn user() -> User {
    User {
        id: UserId::from_random([9; 16]),
        email: Email::parse("viewer@example.com").unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".into(),
        created_at: UnixTime::from_secs(1),
        disabled: false,
        login_attempts: Default::default(),
    }
}

fn client() -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse("tv").unwrap(),
        name: "TV".into(),
        secret_digest: None,
        auth_method: TokenEndpointAuthMethod::None,
        grant_types: vec![GrantType::DeviceCode, GrantType::RefreshToken],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(1),
    }
}

fn device(code: &str, user_code: &str, expires_at: i64) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: TokenDigest::of(code),
        user_code: TokenDigest::of(user_code),
        client_id: ClientId::parse("tv").unwrap(),
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        resources: vec![ResourceIdentifier::parse("https://api.example/").unwrap()],
        status: DeviceStatus::Pending,
        approval: None,
        interval: 5,
        last_polled_at: None,
        created_at: UnixTime::from_secs(NOW - 10),
        expires_at: UnixTime::from_secs(expires_at),
    }
}

fn approval(u: &User) -> DeviceApproval {
    DeviceApproval {
        user_id: u.id.clone(),
        auth_time: UnixTime::from_secs(NOW - 60),
        amr: AuthMethods::password(),
    }
}

async fn seeded(tdb: &TestBackend) -> (Repositories, User) {
    let db = tdb.migrated().await;
    let u = user();
    db.users().insert(&u).await.unwrap();
    db.clients().insert(&client()).await.unwrap();
    (db, u)
}

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

async fn round_trip_and_unique_codes(tdb: TestBackend) {
    let (db, _) = seeded(&tdb).await;
    let repo = db.device_authorizations();
    let d = device("dev-1", "BCDFGHJK", NOW + 600);
    repo.insert(&d).await.unwrap();
    let found = repo.find_by_device_code(&TokenDigest::of("dev-1")).await;
    assert_eq!(found.unwrap(), Some(d.clone()), "{}", tdb.name());
    let by_user = repo.find_by_user_code(&TokenDigest::of("BCDFGHJK")).await;
    assert_eq!(by_user.unwrap(), Some(d), "{}", tdb.name());
    assert!(repo
        .find_by_device_code(&TokenDigest::of("nope"))
        .await
        .unwrap()
        .is_none());
    // A second authorization with the same user code is a conflict: the caller draws again.
    let clash = repo.insert(&device("dev-2", "BCDFGHJK", NOW + 600)).await;
    assert!(
        matches!(clash, Err(tessera_application::RepositoryError::Conflict)),
        "{}: {clash:?}",
        tdb.name()
    );
    if let Some(sql) = tdb.sql() {
        // Only digests are stored: the device code's text appears nowhere.
        let text = sql
            .query_text(
                "SELECT scope || '|' || resources || '|' || status AS value \
                 FROM device_authorizations",
            )
            .await;
        assert_eq!(text, "offline_access openid|https://api.example/|pending");
        let width = sql
            .query_text(
                "SELECT CAST(LENGTH(device_code) AS TEXT) || ',' || \
                 CAST(LENGTH(user_code) AS TEXT) AS value FROM device_authorizations",
            )
            .await;
        assert_eq!(width, "32,32", "only SHA-256 digests are stored");
    }
}
all_backends!(device_round_trip, round_trip_and_unique_codes);

async fn slow_down_interval_is_persisted(tdb: TestBackend) {
    let (db, _) = seeded(&tdb).await;
    let repo = db.device_authorizations();
    repo.insert(&device("dev-1", "BCDFGHJK", NOW + 600))
        .await
        .unwrap();
    let digest = TokenDigest::of("dev-1");
    repo.record_poll(&digest, now(), 10).await.unwrap();
    let d = repo.find_by_device_code(&digest).await.unwrap().unwrap();
    assert_eq!(d.interval, 10, "{}", tdb.name());
    assert_eq!(d.last_polled_at, Some(now()), "{}", tdb.name());
}
all_backends!(device_slow_down, slow_down_interval_is_persisted);

async fn only_pending_unexpired_ones_are_decided(tdb: TestBackend) {
    let (db, u) = seeded(&tdb).await;
    let repo = db.device_authorizations();
    repo.insert(&device("live", "BCDFGHJK", NOW + 600))
        .await
        .unwrap();
    repo.insert(&device("old", "CCCCCCCC", NOW)).await.unwrap();
    repo.insert(&device("deny", "DDDDDDDD", NOW + 600))
        .await
        .unwrap();
    let a = approval(&u);
    // Expired (expires_at == now): nothing changes.
    assert!(!repo
        .decide(&TokenDigest::of("CCCCCCCC"), Some(&a), now())
        .await
        .unwrap());
    assert!(repo
        .decide(&TokenDigest::of("BCDFGHJK"), Some(&a), now())
        .await
        .unwrap());
    // Already decided: neither a second approval nor a denial changes it.
    assert!(!repo
        .decide(&TokenDigest::of("BCDFGHJK"), None, now())
        .await
        .unwrap());
    let d = repo
        .find_by_device_code(&TokenDigest::of("live"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, DeviceStatus::Approved, "{}", tdb.name());
    assert_eq!(d.approval, Some(a), "{}", tdb.name());
    assert!(repo
        .decide(&TokenDigest::of("DDDDDDDD"), None, now())
        .await
        .unwrap());
    let denied = repo
        .find_by_device_code(&TokenDigest::of("deny"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(denied.status, DeviceStatus::Denied);
    assert_eq!(denied.approval, None);
    // A denied one is never redeemed.
    assert!(repo
        .redeem(&TokenDigest::of("deny"), now())
        .await
        .unwrap()
        .is_none());
}
all_backends!(device_decisions, only_pending_unexpired_ones_are_decided);

async fn r_06_redemption_is_single_use_under_concurrency(tdb: TestBackend) {
    let (db, u) = seeded(&tdb).await;
    let repo: Arc<dyn DeviceAuthorizationRepository> = db.device_authorizations();
    repo.insert(&device("dev-1", "BCDFGHJK", NOW + 600))
        .await
        .unwrap();
    // Pending: not redeemable.
    assert!(repo
        .redeem(&TokenDigest::of("dev-1"), now())
        .await
        .unwrap()
        .is_none());
    repo.decide(&TokenDigest::of("BCDFGHJK"), Some(&approval(&u)), now())
        .await
        .unwrap();
    let polls: Vec<_> = (0..8)
        .map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move { repo.redeem(&TokenDigest::of("dev-1"), now()).await })
        })
        .collect();
    let mut won = 0;
    for p in polls {
        if let Some(d) = p.await.unwrap().unwrap() {
            assert_eq!(d.status, DeviceStatus::Redeemed);
            assert_eq!(d.approval.unwrap().user_id, u.id);
            won += 1;
        }
    }
    assert_eq!(won, 1, "{}: exactly one poll redeems", tdb.name());
}
all_backends!(
    device_single_use,
    r_06_redemption_is_single_use_under_concurrency
);

async fn an_approved_but_expired_one_is_not_redeemed(tdb: TestBackend) {
    let (db, u) = seeded(&tdb).await;
    let repo = db.device_authorizations();
    repo.insert(&device("dev-1", "BCDFGHJK", NOW + 1))
        .await
        .unwrap();
    repo.decide(&TokenDigest::of("BCDFGHJK"), Some(&approval(&u)), now())
        .await
        .unwrap();
    let later = UnixTime::from_secs(NOW + 1);
    assert!(repo
        .redeem(&TokenDigest::of("dev-1"), later)
        .await
        .unwrap()
        .is_none());
}
all_backends!(
    device_expired_redeem,
    an_approved_but_expired_one_is_not_redeemed
);

async fn expired_ones_are_purged(tdb: TestBackend) {
    let (db, _) = seeded(&tdb).await;
    let repo = db.device_authorizations();
    repo.insert(&device("old-1", "BBBBBBBB", NOW - 1))
        .await
        .unwrap();
    repo.insert(&device("old-2", "CCCCCCCC", NOW))
        .await
        .unwrap();
    repo.insert(&device("live", "DDDDDDDD", NOW + 1))
        .await
        .unwrap();
    let purged = db
        .housekeeping(0)
        .purge(PurgeKind::DeviceAuthorizations, now(), 10)
        .await
        .unwrap();
    assert_eq!(purged, 2, "{}", tdb.name());
    for (code, kept) in [("old-1", false), ("old-2", false), ("live", true)] {
        let found = repo.find_by_device_code(&TokenDigest::of(code)).await;
        assert_eq!(found.unwrap().is_some(), kept, "{}: {code}", tdb.name());
    }
}
all_backends!(device_purge, expired_ones_are_purged);
