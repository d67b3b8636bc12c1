use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{RefreshToken, TokenDigest, UnixTime, UserId};

/// A refresh token as stored, with its use and revocation marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    /// The token.
    pub token: RefreshToken,
    /// Already rotated: presenting it again is reuse (or, within the grace window, a replay).
    /// Always `used_at.is_some()`.
    pub used: bool,
    /// When it was rotated.
    pub used_at: Option<UnixTime>,
    /// The successor response stored by a rotation made with the grace window on, encrypted
    /// with the row's digest as associated data; `None` when the window was off.
    pub replay: Option<Vec<u8>>,
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
    /// In one transaction: marks `old` used (keeping `replay` on it) if it is unused and its
    /// family not revoked (one atomic conditional UPDATE), and then stores `successor`. False
    /// when another request got there first, in which case nothing is stored.
    async fn rotate(
        &self,
        old: &TokenDigest,
        now: UnixTime,
        successor: &RefreshToken,
        replay: Option<Vec<u8>>,
    ) -> Result<bool, RepositoryError>;
    /// Takes one of the `max` replays of the spent token `old`, by one atomic conditional
    /// UPDATE: true only if it holds a replay, is not revoked and fewer than `max` replays
    /// were taken before, so concurrent callers never take more than `max` in all.
    async fn claim_replay(&self, old: &TokenDigest, max: u32) -> Result<bool, RepositoryError>;
    /// Revokes every refresh token of grant `grant_id` (its family); returns how many rows
    /// changed.
    async fn revoke_family(&self, grant_id: &str) -> Result<u64, RepositoryError>;
    /// Revokes every family of `user` not yet revoked and returns their ids (so their access
    /// tokens can be denylisted by grant), in one transaction.
    async fn revoke_for_user(&self, user: &UserId) -> Result<Vec<String>, RepositoryError>;
}
