use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{AuthorizationCode, ClientId, TokenDigest, UnixTime, UserId};

/// What redeeming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code, now marked used.
    Redeemed(Box<AuthorizationCode>),
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
    /// Ends every code of `user` (only those issued to `client`, when given), in ONE
    /// transaction: the codes not redeemed yet are marked used at `now`, so redeeming one later
    /// is `invalid_grant` (it looks reused, and revoking its token-less grant again is
    /// harmless); returns the distinct grant ids of all of them, redeemed or not, so that the
    /// caller can denylist the access tokens of grants that never issued a refresh token.
    async fn revoke_for_user<'a>(
        &self,
        user: &UserId,
        client: Option<&'a ClientId>,
        now: UnixTime,
    ) -> Result<Vec<String>, RepositoryError>;
}
