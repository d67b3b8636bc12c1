use super::*;
use crate::ports::MockHousekeepingRepository;
use mockall::predicate::eq;
use std::collections::HashMap;
use std::sync::Mutex;

const NOW: i64 = 1_000_000;

/// A mock holding `backlog` rows per kind, deleting up to `batch` per call and recording
/// every call.
fn backlog(
    rows: &[(PurgeKind, u64)],
    calls: Arc<Mutex<Vec<PurgeKind>>>,
) -> MockHousekeepingRepository {
    let left: Mutex<HashMap<PurgeKind, u64>> = Mutex::new(rows.iter().copied().collect());
    let mut repo = MockHousekeepingRepository::new();
    repo.expect_purge()
        .withf(|_, now, _| *now == UnixTime::from_secs(NOW))
        .returning(move |kind, _, batch| {
            calls.lock().unwrap().push(kind);
            let mut left = left.lock().unwrap();
            let rest = left.entry(kind).or_insert(0);
            let n = (*rest).min(u64::from(batch));
            *rest -= n;
            Ok(n)
        });
    repo
}

#[tokio::test]
async fn every_kind_is_purged_batch_by_batch_until_a_short_batch() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let repo = backlog(
        &[
            (PurgeKind::Denylist, 1050),
            (PurgeKind::AuthorizationCodes, 100),
            (PurgeKind::RevokedRefreshTokens, 3),
        ],
        calls.clone(),
    );
    let report = Housekeeping::new(Arc::new(repo), 100)
        .run_once(UnixTime::from_secs(NOW))
        .await
        .unwrap();
    assert_eq!(report.count(PurgeKind::Denylist), 1050);
    assert_eq!(report.count(PurgeKind::AuthorizationCodes), 100);
    assert_eq!(report.count(PurgeKind::RevokedRefreshTokens), 3);
    assert_eq!(report.count(PurgeKind::BrowserSessions), 0);
    assert_eq!(report.total(), 1153);
    assert!(!report.budget_spent);
    let calls = calls.lock().unwrap();
    let per = |k| calls.iter().filter(|c| **c == k).count();
    // 10 full batches and one short one; a full batch is followed by one that finds none.
    assert_eq!(per(PurgeKind::Denylist), 11);
    assert_eq!(per(PurgeKind::AuthorizationCodes), 2);
    for kind in [
        PurgeKind::BrowserSessions,
        PurgeKind::EmailTokens,
        PurgeKind::RefreshTokenFamilies,
        PurgeKind::RevokedRefreshTokens,
    ] {
        assert_eq!(per(kind), 1, "{kind}");
    }
    assert!(report.summary().contains("denylist=1050"));
}

#[tokio::test]
async fn a_spent_budget_ends_the_run() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let repo = backlog(&[(PurgeKind::AuthorizationCodes, 10_000)], calls.clone());
    let report = Housekeeping::new(Arc::new(repo), 10)
        .with_budget(Duration::ZERO)
        .run_once(UnixTime::from_secs(NOW))
        .await
        .unwrap();
    assert!(report.budget_spent);
    assert_eq!(report.count(PurgeKind::AuthorizationCodes), 10);
    assert_eq!(*calls.lock().unwrap(), vec![PurgeKind::AuthorizationCodes]);
}

#[tokio::test]
async fn an_error_stops_the_run() {
    let mut repo = MockHousekeepingRepository::new();
    repo.expect_purge()
        .with(
            eq(PurgeKind::AuthorizationCodes),
            eq(UnixTime::from_secs(NOW)),
            eq(5000),
        )
        .times(1)
        .returning(|_, _, _| Err(RepositoryError::Unavailable));
    let err = Housekeeping::new(Arc::new(repo), DEFAULT_PURGE_BATCH)
        .run_once(UnixTime::from_secs(NOW))
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::Unavailable));
}

#[tokio::test]
async fn a_zero_batch_is_one_row() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let repo = backlog(&[(PurgeKind::EmailTokens, 2)], calls.clone());
    let report = Housekeeping::new(Arc::new(repo), 0)
        .run_once(UnixTime::from_secs(NOW))
        .await
        .unwrap();
    assert_eq!(report.count(PurgeKind::EmailTokens), 2);
}
