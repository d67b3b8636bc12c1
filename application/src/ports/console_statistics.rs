use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{AuditAction, AuditOutcome, UnixTime, UserId};

/// How many audit events of one action and outcome fell into one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlyCount {
    /// The hour's first second (a multiple of 3600).
    pub hour: i64,
    /// What happened.
    pub action: AuditAction,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// How often.
    pub count: u64,
}

/// An account that refuses sign-ins until `locked_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedAccount {
    /// Whose.
    pub id: UserId,
    /// Their address, as stored.
    pub email: String,
    /// When the lock ends.
    pub locked_until: UnixTime,
}

/// The figures of the console's dashboard, counted where the rows are (one grouped query
/// each, whatever the number of events), so every process shows the same numbers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConsoleStatistics: Send + Sync {
    /// Audit events of `actions` at or after `since` and before `until`, counted per hour,
    /// action and outcome; hours without events are left out; in no particular order.
    async fn hourly_counts(
        &self,
        actions: &[AuditAction],
        since: UnixTime,
        until: UnixTime,
    ) -> Result<Vec<HourlyCount>, RepositoryError>;
    /// Browser sessions that have not expired at `now`.
    async fn active_sessions(&self, now: UnixTime) -> Result<u64, RepositoryError>;
    /// Accounts locked at `now`: how many in all, and the first `limit` ending soonest.
    async fn locked_accounts(
        &self,
        now: UnixTime,
        limit: u32,
    ) -> Result<(u64, Vec<LockedAccount>), RepositoryError>;
}
