//! The single-use `jti` contract (client assertions, DPoP proofs) on all three backends: one
//! use until expiry, atomically, separate per kind and issuer, purged when over.

use std::sync::Arc;

use tessera_application::ports::{PurgeKind, ReplayCache, ReplayKind};
use tessera_domain::UnixTime;
use tessera_tests::{all_backends, TestBackend};

const NOW: i64 = 1_800_000_000;

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

async fn a_jti_is_used_once_until_it_expires(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let cache = db.replay_cache();
    let kind = ReplayKind::ClientAssertion;
    assert!(cache
        .first_use(kind, "rp", "j1", at(NOW + 60), at(NOW))
        .await
        .unwrap());
    assert!(
        !cache
            .first_use(kind, "rp", "j1", at(NOW + 60), at(NOW + 59))
            .await
            .unwrap(),
        "{}: a replay within its time is refused",
        tdb.name()
    );
    // Another issuer, another kind: another value.
    assert!(cache
        .first_use(kind, "other", "j1", at(NOW + 60), at(NOW))
        .await
        .unwrap());
    assert!(cache
        .first_use(ReplayKind::DpopProof, "rp", "j1", at(NOW + 60), at(NOW))
        .await
        .unwrap());
    // Once over, the value no longer blocks (the JWT is refused as expired anyway).
    assert!(cache
        .first_use(kind, "rp", "j1", at(NOW + 200), at(NOW + 60))
        .await
        .unwrap());
    assert!(!cache
        .first_use(kind, "rp", "j1", at(NOW + 200), at(NOW + 61))
        .await
        .unwrap());
}
all_backends!(replay_once, a_jti_is_used_once_until_it_expires);

async fn r_06_concurrent_first_uses_have_one_winner(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let cache: Arc<dyn ReplayCache> = db.replay_cache();
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .first_use(ReplayKind::DpopProof, "jkt", "same", at(NOW + 60), at(NOW))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for t in tries {
        if t.await.unwrap().unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1, "{}: exactly one first use", tdb.name());
}
all_backends!(
    replay_concurrent,
    r_06_concurrent_first_uses_have_one_winner
);

async fn expired_ones_are_purged(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let cache = db.replay_cache();
    let kind = ReplayKind::ClientAssertion;
    for (jti, until) in [("old-1", NOW - 1), ("old-2", NOW), ("live", NOW + 1)] {
        assert!(cache
            .first_use(kind, "rp", jti, at(until), at(NOW - 10))
            .await
            .unwrap());
    }
    let purged = db
        .housekeeping(0)
        .purge(PurgeKind::UsedJtis, at(NOW), 10)
        .await
        .unwrap();
    assert_eq!(purged, 2, "{}", tdb.name());
    assert!(!cache
        .first_use(kind, "rp", "live", at(NOW + 1), at(NOW))
        .await
        .unwrap());
}
all_backends!(replay_purge, expired_ones_are_purged);
