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
mod tests;
