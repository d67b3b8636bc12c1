use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{EmailToken, EmailTokenPurpose, TokenDigest, UnixTime, UserId};

/// The single-use tokens of emailed links, stored by digest.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EmailTokenRepository: Send + Sync {
    /// Stores a new token.
    async fn insert(&self, token: &EmailToken) -> Result<(), RepositoryError>;
    /// The token with this digest and purpose if it has not expired at `now`, without using
    /// it up (a page shows the form before the person submits it).
    async fn find(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError>;
    /// Uses the token up: deletes it and returns it, in one atomic statement, only if it
    /// exists with this purpose and has not expired at `now`. Of concurrent callers at most
    /// one gets `Some`.
    async fn consume(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError>;
    /// Deletes every token of `user` with `purpose` (an older reset link dies when a newer
    /// one is sent or the password changes); returns how many.
    async fn delete_for_user(
        &self,
        user: &UserId,
        purpose: EmailTokenPurpose,
    ) -> Result<u64, RepositoryError>;
}
