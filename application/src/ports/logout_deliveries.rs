use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{LogoutDelivery, UnixTime};

/// The durable queue of back-channel logout tokens: rows survive a restart, and a claim leases
/// a row so that no two workers (in one process or several) send it at the same time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LogoutDeliveryRepository: Send + Sync {
    /// Queues deliveries (`attempts` 0, due at their `next_attempt_at`).
    async fn enqueue(&self, deliveries: &[LogoutDelivery]) -> Result<(), RepositoryError>;
    /// Claims at most `limit` unfinished rows due at `now`: in one atomic statement each gets
    /// one more attempt counted and `next_attempt_at = lease_until`, so another claim skips it
    /// until then (if this worker dies, the row comes back after the lease). Returns them as
    /// claimed (attempts already counted).
    async fn claim_due(
        &self,
        now: UnixTime,
        lease_until: UnixTime,
        limit: u32,
    ) -> Result<Vec<LogoutDelivery>, RepositoryError>;
    /// Marks a delivery done.
    async fn delivered(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError>;
    /// Puts a failed delivery back in the queue for `at`.
    async fn retry_at(&self, id: &str, at: UnixTime) -> Result<(), RepositoryError>;
    /// Gives a delivery up (kept, finished, until housekeeping purges it).
    async fn failed(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError>;
}
