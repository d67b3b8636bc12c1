//! The repository contract of the audit log (batch inserts, newest-first listing with filters
//! and keyset paging, purging by age), run on SQLite and on PostgreSQL like the rest of the
//! contract suite in `repositories.rs`.

use tessera_application::ports::{AuditFilter, AuditRepository, StoredAuditEvent};
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, UnixTime};
use tessera_tests::{all_backends, both_backends, TestBackend, TestDatabase};

use AuditAction::{LoginFailed, LoginSucceeded, TokenIssued};
use AuditOutcome::{Failure, Success};

/// Event `n` of the fixture: at time `1000 + n`, alternating actions and outcomes.
fn fixture(n: i64) -> AuditEvent {
    let (action, outcome) = match n % 3 {
        0 => (LoginSucceeded, Success),
        1 => (LoginFailed, Failure),
        _ => (TokenIssued, Success),
    };
    let e = AuditEvent::new(UnixTime::from_secs(1_000 + n), action, outcome)
        .subject(format!("user-{}", n % 2))
        .ip("203.0.113.9");
    if action == TokenIssued {
        e.client("app").detail("grant=client_credentials")
    } else {
        e.actor(format!("user-{}", n % 2))
    }
}

/// The times of the listed events, to compare orders at a glance.
fn times(listed: &[StoredAuditEvent]) -> Vec<i64> {
    listed
        .iter()
        .map(|s| s.event.at.as_secs() - 1_000)
        .collect()
}

async fn list(repo: &dyn AuditRepository, filter: AuditFilter) -> Vec<i64> {
    times(&repo.list(&filter, None, 500).await.unwrap())
}

async fn events_are_stored_and_listed_newest_first(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.audit();
    assert!(repo
        .list(&AuditFilter::default(), None, 10)
        .await
        .unwrap()
        .is_empty());
    repo.insert_batch(&[]).await.unwrap();

    let events: Vec<AuditEvent> = (0..12).map(fixture).collect();
    repo.insert_batch(&events[..5]).await.unwrap();
    repo.insert_batch(&events[5..]).await.unwrap();

    let listed = repo.list(&AuditFilter::default(), None, 100).await.unwrap();
    assert_eq!(times(&listed), (0..12).rev().collect::<Vec<_>>());
    // Ids grow with insertion; every field comes back as written.
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id));
    for stored in &listed {
        let n = stored.event.at.as_secs() - 1_000;
        assert_eq!(stored.event, fixture(n));
    }
    let full = &listed
        .iter()
        .find(|s| s.event.action == TokenIssued)
        .unwrap()
        .event;
    assert_eq!(full.client_id.as_deref(), Some("app"));
    assert_eq!(full.detail.as_deref(), Some("grant=client_credentials"));
    assert_eq!(full.actor, None);

    // `limit` bounds the page; 0 lists nothing.
    assert_eq!(
        times(&repo.list(&AuditFilter::default(), None, 3).await.unwrap()),
        [11, 10, 9]
    );
    assert!(repo
        .list(&AuditFilter::default(), None, 0)
        .await
        .unwrap()
        .is_empty());
}
all_backends!(insert_and_list, events_are_stored_and_listed_newest_first);

async fn a_large_batch_is_stored_whole_and_the_page_size_is_capped(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.audit();
    let events: Vec<AuditEvent> = (0..1_200).map(fixture).collect();
    repo.insert_batch(&events).await.unwrap();
    let page = repo
        .list(&AuditFilter::default(), None, u32::MAX)
        .await
        .unwrap();
    assert_eq!(page.len(), 500, "a page holds at most 500 events");
    assert_eq!(page[0].event.at.as_secs(), 1_000 + 1_199);
}
all_backends!(
    large_batch,
    a_large_batch_is_stored_whole_and_the_page_size_is_capped
);

async fn each_filter_narrows_and_filters_combine(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.audit();
    let events: Vec<AuditEvent> = (0..12).map(fixture).collect();
    repo.insert_batch(&events).await.unwrap();
    let repo = repo.as_ref();

    let by_action = AuditFilter {
        action: Some(LoginFailed),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, by_action).await, [10, 7, 4, 1]);

    let by_outcome = AuditFilter {
        outcome: Some(Failure),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, by_outcome).await, [10, 7, 4, 1]);

    let by_subject = AuditFilter {
        subject: Some("user-1".into()),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, by_subject).await, [11, 9, 7, 5, 3, 1]);

    let by_actor = AuditFilter {
        actor: Some("user-0".into()),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, by_actor).await, [10, 6, 4, 0]);

    let by_client = AuditFilter {
        client_id: Some("app".into()),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, by_client).await, [11, 8, 5, 2]);

    // `since` is inclusive, `until` exclusive.
    let window = AuditFilter {
        since: Some(UnixTime::from_secs(1_003)),
        until: Some(UnixTime::from_secs(1_006)),
        ..AuditFilter::default()
    };
    assert_eq!(list(repo, window).await, [5, 4, 3]);

    let combined = AuditFilter {
        action: Some(LoginSucceeded),
        outcome: Some(Success),
        subject: Some("user-0".into()),
        actor: Some("user-0".into()),
        since: Some(UnixTime::from_secs(1_001)),
        until: Some(UnixTime::from_secs(1_012)),
        client_id: None,
    };
    assert_eq!(list(repo, combined).await, [6]);

    let nothing = AuditFilter {
        action: Some(TokenIssued),
        outcome: Some(Failure),
        ..AuditFilter::default()
    };
    assert!(list(repo, nothing).await.is_empty());
    let unknown = AuditFilter {
        subject: Some("nobody".into()),
        ..AuditFilter::default()
    };
    assert!(list(repo, unknown).await.is_empty());
}
all_backends!(filters, each_filter_narrows_and_filters_combine);

async fn pages_follow_the_id_keyset(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.audit();
    let events: Vec<AuditEvent> = (0..12).map(fixture).collect();
    repo.insert_batch(&events).await.unwrap();

    // Page through everything, 5 at a time.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = repo.list(&AuditFilter::default(), before, 5).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|s| s.id);
        pages.push(times(&page));
    }
    assert_eq!(
        pages,
        [vec![11, 10, 9, 8, 7], vec![6, 5, 4, 3, 2], vec![1, 0]]
    );

    // Paging with a filter: the keyset applies on top of it.
    let subject = AuditFilter {
        subject: Some("user-0".into()),
        ..AuditFilter::default()
    };
    let first = repo.list(&subject, None, 2).await.unwrap();
    assert_eq!(times(&first), [10, 8]);
    let second = repo
        .list(&subject, first.last().map(|s| s.id), 10)
        .await
        .unwrap();
    assert_eq!(times(&second), [6, 4, 2, 0]);

    // A later insert lands on the first page, not in the middle of a walk.
    repo.insert_batch(&[fixture(12)]).await.unwrap();
    let after = repo
        .list(&AuditFilter::default(), first.last().map(|s| s.id), 100)
        .await
        .unwrap();
    assert_eq!(times(&after), [7, 6, 5, 4, 3, 2, 1, 0]);
}
all_backends!(keyset_paging, pages_follow_the_id_keyset);

async fn purge_before_deletes_older_events_in_batches(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.audit();
    let events: Vec<AuditEvent> = (0..12).map(fixture).collect();
    repo.insert_batch(&events).await.unwrap();

    // Nothing is older than the first event.
    assert_eq!(
        repo.purge_before(UnixTime::from_secs(1_000), 5)
            .await
            .unwrap(),
        0
    );
    // `at < t`: events 0..=6 go, in batches of 3 (3 + 3 + 1).
    assert_eq!(
        repo.purge_before(UnixTime::from_secs(1_007), 3)
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        list(repo.as_ref(), AuditFilter::default()).await,
        [11, 10, 9, 8, 7]
    );
    // An exact multiple of the batch size, and a batch of 0 taken as 1.
    assert_eq!(
        repo.purge_before(UnixTime::from_secs(1_009), 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        repo.purge_before(UnixTime::from_secs(2_000), 0)
            .await
            .unwrap(),
        3
    );
    assert!(list(repo.as_ref(), AuditFilter::default()).await.is_empty());
}
all_backends!(purge, purge_before_deletes_older_events_in_batches);

async fn the_table_refuses_an_unknown_outcome(tdb: TestDatabase) {
    let _db = tdb.migrated().await;
    tdb.execute(
        "INSERT INTO audit_events (at, action, outcome) VALUES (1, 'login_failed', 'failure')",
    )
    .await;
    let sql = "INSERT INTO audit_events (at, action, outcome) VALUES (1, 'login_failed', 'maybe')";
    let refused = tokio::spawn(async move { tdb.execute(sql).await }).await;
    assert!(refused.is_err(), "the CHECK constraint refuses 'maybe'");
}
// SQL only: writes rows behind the repositories' back.
both_backends!(outcome_check, the_table_refuses_an_unknown_outcome);
