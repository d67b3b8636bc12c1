//! The pushed-request contract (RFC 9126) on all three backends: taken once, atomically, only
//! by the client that pushed it and only before it expires; purged when over.

use std::sync::Arc;

use tessera_application::ports::{PurgeKind, PushedRequest, PushedRequestRepository};
use tessera_domain::{ClientId, TokenDigest, UnixTime};
use tessera_tests::{all_backends, TestBackend};

const NOW: i64 = 1_800_000_000;

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn client(id: &str) -> ClientId {
    ClientId::parse(id).unwrap()
}

fn pushed(random: &str, client_id: &str, expires_at: i64) -> PushedRequest {
    PushedRequest {
        digest: TokenDigest::of(random),
        client_id: client(client_id),
        params: vec![
            ("client_id".into(), client_id.into()),
            (
                "code_challenge".into(),
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            ),
            ("resource".into(), "https://api.example/a".into()),
            ("resource".into(), "https://api.example/b".into()),
            ("state".into(), "ünïcode & \"quotes\"".into()),
        ],
        expires_at: at(expires_at),
    }
}

async fn a_pushed_request_is_taken_once_with_its_parameters(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.pushed_requests();
    let request = pushed("r1", "web", NOW + 60);
    repo.insert(&request).await.unwrap();
    let taken = repo
        .take(&TokenDigest::of("r1"), &client("web"), at(NOW))
        .await
        .unwrap();
    assert_eq!(
        taken.as_ref(),
        Some(&request),
        "{}: taken as stored",
        tdb.name()
    );
    assert_eq!(
        repo.take(&TokenDigest::of("r1"), &client("web"), at(NOW))
            .await
            .unwrap(),
        None,
        "{}: a second take finds nothing",
        tdb.name()
    );
}
all_backends!(
    par_take_once,
    a_pushed_request_is_taken_once_with_its_parameters
);

async fn another_clients_or_an_expired_request_is_not_taken(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.pushed_requests();
    repo.insert(&pushed("r1", "web", NOW + 60)).await.unwrap();
    let digest = TokenDigest::of("r1");
    assert_eq!(
        repo.take(&digest, &client("other"), at(NOW)).await.unwrap(),
        None,
        "{}: another client's",
        tdb.name()
    );
    assert_eq!(
        repo.take(&digest, &client("web"), at(NOW + 60))
            .await
            .unwrap(),
        None,
        "{}: expired at expires_at",
        tdb.name()
    );
    assert!(
        repo.take(&digest, &client("web"), at(NOW + 59))
            .await
            .unwrap()
            .is_some(),
        "{}: neither refusal used it up",
        tdb.name()
    );
    assert_eq!(
        repo.take(&TokenDigest::of("unknown"), &client("web"), at(NOW))
            .await
            .unwrap(),
        None
    );
}
all_backends!(
    par_take_refusals,
    another_clients_or_an_expired_request_is_not_taken
);

async fn r_06_concurrent_takes_have_one_winner(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo: Arc<dyn PushedRequestRepository> = db.pushed_requests();
    repo.insert(&pushed("race", "web", NOW + 60)).await.unwrap();
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move {
                repo.take(&TokenDigest::of("race"), &client("web"), at(NOW))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for t in tries {
        if t.await.unwrap().unwrap().is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1, "{}: exactly one take", tdb.name());
}
all_backends!(par_take_concurrent, r_06_concurrent_takes_have_one_winner);

async fn a_digest_is_stored_once(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.pushed_requests();
    repo.insert(&pushed("dup", "web", NOW + 60)).await.unwrap();
    assert!(
        repo.insert(&pushed("dup", "web", NOW + 60)).await.is_err(),
        "{}: a second insert of one digest fails",
        tdb.name()
    );
}
all_backends!(par_insert_conflict, a_digest_is_stored_once);

async fn expired_ones_are_purged(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.pushed_requests();
    for (random, until) in [("old-1", NOW - 1), ("old-2", NOW), ("live", NOW + 1)] {
        repo.insert(&pushed(random, "web", until)).await.unwrap();
    }
    let purged = db
        .housekeeping(0)
        .purge(PurgeKind::PushedRequests, at(NOW), 10)
        .await
        .unwrap();
    assert_eq!(purged, 2, "{}", tdb.name());
    assert!(repo
        .take(&TokenDigest::of("live"), &client("web"), at(NOW))
        .await
        .unwrap()
        .is_some());
}
all_backends!(par_purge, expired_ones_are_purged);
