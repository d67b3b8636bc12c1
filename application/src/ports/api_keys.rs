use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{ApiKey, ApiKeyPrefix, UnixTime};

/// The API keys, stored by prefix with only the digest of the key.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a new key; `Conflict` when a key with the same prefix exists (the caller draws
    /// another prefix).
    async fn insert(&self, key: &ApiKey) -> Result<(), RepositoryError>;
    /// The key with this prefix, revoked or expired ones included (the caller decides).
    async fn find(&self, prefix: &ApiKeyPrefix) -> Result<Option<ApiKey>, RepositoryError>;
    /// Every key, newest first.
    async fn list(&self) -> Result<Vec<ApiKey>, RepositoryError>;
    /// Marks the key revoked at `now`; false when there is no such key or it was already
    /// revoked, so the first revocation time is kept.
    async fn revoke(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<bool, RepositoryError>;
    /// Records a use of the key at `now`; a missing key is not an error.
    async fn touch(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<(), RepositoryError>;
}
