use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{BrowserSession, TokenDigest, UnixTime, UserId};

/// Server-side browser sessions, keyed by the digest of the cookie value.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn insert(&self, session: &BrowserSession) -> Result<(), RepositoryError>;
    /// The session with this digest if it has not expired at `now`.
    async fn find(
        &self,
        digest: &TokenDigest,
        now: UnixTime,
    ) -> Result<Option<BrowserSession>, RepositoryError>;
    /// Ends one session (logout).
    async fn delete(&self, digest: &TokenDigest) -> Result<(), RepositoryError>;
    /// Ends every session of a user; returns how many.
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError>;
}
