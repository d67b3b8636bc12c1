use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Upstream, UpstreamId, UpstreamIdentity, UpstreamSubject, User, UserId};

/// Where registered upstream identity providers live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UpstreamRepository: Send + Sync {
    /// Stores a new upstream; `Conflict` if the id is taken.
    async fn insert(&self, upstream: &Upstream) -> Result<(), RepositoryError>;
    /// Finds an upstream by id.
    async fn find(&self, id: &UpstreamId) -> Result<Option<Upstream>, RepositoryError>;
    /// Every upstream, oldest first.
    async fn list(&self) -> Result<Vec<Upstream>, RepositoryError>;
    /// Deletes an upstream and every link to it; false if there was none.
    async fn delete(&self, id: &UpstreamId) -> Result<bool, RepositoryError>;
}

/// Where the links (upstream, `sub`) → local account live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UpstreamIdentityRepository: Send + Sync {
    /// Stores a link; `Conflict` if (upstream, `sub`) is linked already or the account has a
    /// link to that upstream already.
    async fn link(&self, identity: &UpstreamIdentity) -> Result<(), RepositoryError>;
    /// Creates `user` and its first link in one transaction (just-in-time accounts), so a
    /// failure leaves neither behind; `Conflict` if the email or the link is taken.
    async fn create_linked_user(
        &self,
        user: &User,
        identity: &UpstreamIdentity,
    ) -> Result<(), RepositoryError>;
    /// The link of a person at an upstream.
    async fn find(
        &self,
        upstream: &UpstreamId,
        subject: &UpstreamSubject,
    ) -> Result<Option<UpstreamIdentity>, RepositoryError>;
    /// Every link of an account, oldest first.
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<UpstreamIdentity>, RepositoryError>;
    /// Removes the account's link to an upstream; false if there was none.
    async fn unlink(&self, user: &UserId, upstream: &UpstreamId) -> Result<bool, RepositoryError>;
}
