//! The console's dashboard figures: sign-ins and tokens per hour from the audit log, live
//! sessions and current lockouts, each counted by the database (every process sees the same).

use crate::ports::{ConsoleStatistics, LockedAccount};
use crate::RepositoryError;
use std::sync::Arc;
use tessera_domain::{AuditAction, AuditOutcome, UnixTime};

/// Longest history the dashboard draws, in hours (two weeks).
pub const MAX_DASHBOARD_HOURS: u32 = 336;
/// How many locked accounts the dashboard names.
const LOCKED_SHOWN: u32 = 20;

/// What the dashboard shows. The three series have one value per hour of `hours`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// The first second of each hour drawn, oldest first; the last is the current hour.
    pub hours: Vec<i64>,
    /// Successful password sign-ins per hour.
    pub sign_ins_ok: Vec<u64>,
    /// Refused sign-ins per hour.
    pub sign_ins_failed: Vec<u64>,
    /// Token responses per hour (every grant but refresh and exchange).
    pub tokens_issued: Vec<u64>,
    /// Browser sessions alive now.
    pub active_sessions: u64,
    /// Accounts locked now.
    pub locked_total: u64,
    /// The first of them, the soonest to unlock first.
    pub locked: Vec<LockedAccount>,
}

/// Builds the dashboard.
pub struct AdminDashboard {
    stats: Arc<dyn ConsoleStatistics>,
}

impl AdminDashboard {
    /// Builds the service.
    pub fn new(stats: Arc<dyn ConsoleStatistics>) -> Self {
        Self { stats }
    }

    /// The figures at `now` over the last `hours` hours (clamped to 1 to
    /// [`MAX_DASHBOARD_HOURS`]), the current hour included.
    pub async fn load(&self, now: UnixTime, hours: u32) -> Result<Dashboard, RepositoryError> {
        let n = hours.clamp(1, MAX_DASHBOARD_HOURS);
        let current = now.as_secs().div_euclid(3600) * 3600;
        let first = current - (i64::from(n) - 1) * 3600;
        let hour_starts: Vec<i64> = (0..i64::from(n)).map(|i| first + i * 3600).collect();
        let counts = self
            .stats
            .hourly_counts(
                &[
                    AuditAction::LoginSucceeded,
                    AuditAction::LoginFailed,
                    AuditAction::TokenIssued,
                ],
                UnixTime::from_secs(first),
                UnixTime::from_secs(current + 3600),
            )
            .await?;
        let mut ok = vec![0; hour_starts.len()];
        let mut failed = vec![0; hour_starts.len()];
        let mut tokens = vec![0; hour_starts.len()];
        for c in counts {
            let Ok(slot) = usize::try_from((c.hour - first).div_euclid(3600)) else {
                continue;
            };
            let series = match (c.action, c.outcome) {
                (AuditAction::LoginSucceeded, AuditOutcome::Success) => &mut ok,
                (AuditAction::LoginFailed, _) | (AuditAction::LoginSucceeded, _) => &mut failed,
                (AuditAction::TokenIssued, AuditOutcome::Success) => &mut tokens,
                _ => continue,
            };
            if let Some(v) = series.get_mut(slot) {
                *v += c.count;
            }
        }
        let active_sessions = self.stats.active_sessions(now).await?;
        let (locked_total, locked) = self.stats.locked_accounts(now, LOCKED_SHOWN).await?;
        Ok(Dashboard {
            hours: hour_starts,
            sign_ins_ok: ok,
            sign_ins_failed: failed,
            tokens_issued: tokens,
            active_sessions,
            locked_total,
            locked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::ports::AuditRepository;
    use tessera_domain::AuditEvent;

    fn at(secs: i64, action: AuditAction, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent::new(UnixTime::from_secs(secs), action, outcome)
    }

    #[tokio::test]
    async fn events_land_in_their_hour_and_series() {
        let store = Arc::new(InMemoryStore::new());
        let now = 10 * 3600 + 1800; // 10:30
        store
            .insert_batch(&[
                at(
                    10 * 3600 + 5,
                    AuditAction::LoginSucceeded,
                    AuditOutcome::Success,
                ),
                at(
                    10 * 3600 + 6,
                    AuditAction::LoginFailed,
                    AuditOutcome::Failure,
                ),
                at(9 * 3600, AuditAction::LoginFailed, AuditOutcome::Failure),
                at(
                    9 * 3600 + 1,
                    AuditAction::TokenIssued,
                    AuditOutcome::Success,
                ),
                at(
                    9 * 3600 + 2,
                    AuditAction::TokenIssued,
                    AuditOutcome::Success,
                ),
                // Before the window, and an unrelated action: not drawn.
                at(
                    7 * 3600 + 59 * 60,
                    AuditAction::TokenIssued,
                    AuditOutcome::Success,
                ),
                at(10 * 3600, AuditAction::KeyRotated, AuditOutcome::Success),
            ])
            .await
            .unwrap();
        let d = AdminDashboard::new(store)
            .load(UnixTime::from_secs(now), 3)
            .await
            .unwrap();
        assert_eq!(d.hours, [8 * 3600, 9 * 3600, 10 * 3600]);
        assert_eq!(d.sign_ins_ok, [0, 0, 1]);
        assert_eq!(d.sign_ins_failed, [0, 1, 1]);
        assert_eq!(d.tokens_issued, [0, 2, 0]);
        assert_eq!((d.active_sessions, d.locked_total), (0, 0));
    }

    #[tokio::test]
    async fn the_window_is_clamped() {
        let store = Arc::new(InMemoryStore::new());
        let dash = AdminDashboard::new(store);
        let now = UnixTime::from_secs(1_000_000);
        assert_eq!(dash.load(now, 0).await.unwrap().hours.len(), 1);
        assert_eq!(
            dash.load(now, 100_000).await.unwrap().hours.len(),
            MAX_DASHBOARD_HOURS as usize
        );
    }
}
