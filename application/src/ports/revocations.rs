use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::UnixTime;

/// The denylist of revoked access-token ids. JWTs are self-contained, so revocation is a list
/// of `jti`s kept until the token would have expired anyway.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RevocationRepository: Send + Sync {
    /// Records `jti` as revoked until `expires_at`; revoking twice is not an error.
    async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), RepositoryError>;
    /// True when `jti` is on the denylist.
    async fn is_revoked(&self, jti: &str) -> Result<bool, RepositoryError>;
    /// Drops entries whose tokens have expired by `now`; returns how many.
    async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError>;
}
