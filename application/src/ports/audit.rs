use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, UnixTime};

/// Fire-and-forget sink the services and HTTP edge call; never blocks, never fails. Recording
/// sits on hot paths (client_credentials at thousands per second), so an implementation queues
/// and writes in the background: a slow or absent database must not slow down or fail a
/// request.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AuditLog: Send + Sync {
    /// Records `event`; returns at once whatever happens to it afterwards.
    fn record(&self, event: AuditEvent);
}

/// Which stored events to list; every field set narrows the result (they combine with AND),
/// `Default` lists everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only this outcome.
    pub outcome: Option<AuditOutcome>,
    /// Only events done to this subject (exact match).
    pub subject: Option<String>,
    /// Only events done by this actor (exact match).
    pub actor: Option<String>,
    /// Only events involving this client (exact match).
    pub client_id: Option<String>,
    /// Only events at or after this instant.
    pub since: Option<UnixTime>,
    /// Only events strictly before this instant.
    pub until: Option<UnixTime>,
}

/// An event as stored, with the id that orders the log and pages through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    /// Increasing with insertion: newer events have higher ids.
    pub id: i64,
    /// The event.
    pub event: AuditEvent,
}

/// Where audit events are kept. Only the background writer inserts; the admin API lists.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// Stores `events` in one transaction: all of them or none.
    async fn insert_batch(&self, events: &[AuditEvent]) -> Result<(), RepositoryError>;
    /// Newest first; `before` = only ids lower than this (keyset paging); at most `limit`.
    async fn list(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError>;
    /// Deletes events older than `t` (`at < t`), at most `batch` rows per statement so locks
    /// stay short; returns how many in all. Retention housekeeping.
    async fn purge_before(&self, t: UnixTime, batch: u32) -> Result<u64, RepositoryError>;
}
