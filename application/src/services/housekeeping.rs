use crate::ports::{HousekeepingRepository, PurgeKind};
use crate::RepositoryError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tessera_domain::UnixTime;

/// Rows per batch when not configured: large enough for a good rate, small enough that one
/// batch is a short transaction.
pub const DEFAULT_PURGE_BATCH: u32 = 5000;

/// How long one run may go on when not configured; a backlog left over is picked up next run.
pub const DEFAULT_PURGE_BUDGET: Duration = Duration::from_secs(60);

/// What one run deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HousekeepingReport {
    /// Rows deleted per kind, every kind listed in [`PurgeKind::ALL`] order.
    pub deleted: Vec<(PurgeKind, u64)>,
    /// How long the run took.
    pub elapsed: Duration,
    /// The time budget ran out with rows possibly left over (the next run goes on).
    pub budget_spent: bool,
}

impl HousekeepingReport {
    /// Rows deleted of `kind`.
    pub fn count(&self, kind: PurgeKind) -> u64 {
        self.deleted
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.deleted.iter().map(|(_, n)| n).sum()
    }

    /// `kind=n` for each kind, for one log line.
    pub fn summary(&self) -> String {
        self.deleted
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Deletes what has expired (codes, sessions, emailed-link tokens, denylist entries, dead
/// refresh tokens) in small batches, each its own short transaction, yielding in between so
/// that request traffic interleaves with a large backlog.
pub struct Housekeeping {
    repo: Arc<dyn HousekeepingRepository>,
    batch: u32,
    budget: Duration,
}

impl Housekeeping {
    /// `batch` rows per statement (at least 1), with the default time budget per run.
    pub fn new(repo: Arc<dyn HousekeepingRepository>, batch: u32) -> Self {
        Self {
            repo,
            batch: batch.max(1),
            budget: DEFAULT_PURGE_BUDGET,
        }
    }

    /// Stops a run once it has gone on for `budget`, so one run never monopolises a
    /// connection; what is left waits for the next.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Purges every kind obsolete at `now`: each kind batch after batch until a batch comes
    /// back short or the time budget is spent. Stops at the first error (logging what was
    /// deleted so far), as the next batches would most likely fail the same way.
    pub async fn run_once(&self, now: UnixTime) -> Result<HousekeepingReport, RepositoryError> {
        let started = Instant::now();
        let mut deleted: Vec<(PurgeKind, u64)> = PurgeKind::ALL.iter().map(|k| (*k, 0)).collect();
        let mut budget_spent = false;
        'kinds: for (kind, count) in deleted.iter_mut() {
            loop {
                let n = match self.repo.purge(*kind, now, self.batch).await {
                    Ok(n) => n,
                    Err(e) => {
                        log::warn!(
                            "housekeeping stopped at {kind} ({count} of it deleted this run, \
                             earlier kinds done): {e}"
                        );
                        return Err(e);
                    }
                };
                *count = count.saturating_add(n);
                if n < u64::from(self.batch) {
                    break;
                }
                if started.elapsed() >= self.budget {
                    budget_spent = true;
                    break 'kinds;
                }
                yield_now().await;
            }
        }
        Ok(HousekeepingReport {
            deleted,
            elapsed: started.elapsed(),
            budget_spent,
        })
    }
}

/// Gives other tasks on this worker a turn (without depending on a runtime here).
fn yield_now() -> impl Future<Output = ()> {
    struct YieldNow(bool);
    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    YieldNow(false)
}

#[cfg(test)]
mod tests {
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
}
