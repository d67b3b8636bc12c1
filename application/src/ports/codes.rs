use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{AuthorizationCode, TokenDigest, UnixTime};

/// What redeeming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code, now marked used.
    Redeemed(AuthorizationCode),
    /// The code was already used: the grant to revoke (RFC 6749 §4.1.2).
    AlreadyUsed {
        /// The grant id of the tokens issued from the first use.
        grant_id: String,
    },
    /// No such code.
    NotFound,
}

/// Authorization codes, stored by digest.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuthorizationCodeRepository: Send + Sync {
    /// Stores a new code.
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepositoryError>;
    /// Marks the code used and returns it, in ONE atomic statement (no read-then-write), so
    /// that of any number of parallel redemptions exactly one gets `Redeemed`.
    async fn consume(
        &self,
        digest: &TokenDigest,
        now: UnixTime,
    ) -> Result<CodeRedemption, RepositoryError>;
}
