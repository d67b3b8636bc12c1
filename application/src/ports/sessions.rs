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
    /// The user's live sessions at `now`, newest sign-in first (the account page lists them).
    async fn list_for_user(
        &self,
        user: &UserId,
        now: UnixTime,
    ) -> Result<Vec<BrowserSession>, RepositoryError>;
    /// Ends every session of the user but `keep` ("sign out everywhere else"); returns how
    /// many ended.
    async fn delete_others(
        &self,
        user: &UserId,
        keep: &TokenDigest,
    ) -> Result<u64, RepositoryError>;
}
