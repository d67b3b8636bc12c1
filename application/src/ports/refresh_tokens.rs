use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{RefreshToken, TokenDigest, UnixTime};

/// A refresh token as stored, with its use and revocation marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    /// The token.
    pub token: RefreshToken,
    /// Already rotated: presenting it again is reuse.
    pub used: bool,
    /// Its family was revoked.
    pub revoked: bool,
}

/// Refresh tokens, stored by digest, grouped in families.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RefreshTokenRepository: Send + Sync {
    /// Stores the first token of a family.
    async fn insert(&self, token: &RefreshToken) -> Result<(), RepositoryError>;
    /// Looks a token up by digest.
    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<StoredRefreshToken>, RepositoryError>;
    /// In one transaction: marks `old` used if it is unused and its family not revoked (one
    /// atomic conditional UPDATE), and then stores `successor`. False when another request
    /// got there first, in which case nothing is stored.
    async fn rotate(
        &self,
        old: &TokenDigest,
        now: UnixTime,
        successor: &RefreshToken,
    ) -> Result<bool, RepositoryError>;
    /// Revokes every token of a family; returns how many rows changed.
    async fn revoke_family(&self, family_id: &str) -> Result<u64, RepositoryError>;
}
