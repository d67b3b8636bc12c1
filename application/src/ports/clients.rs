use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Client, ClientId, TokenDigest};

/// Where registered clients live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client; `Conflict` if the id is taken.
    async fn insert(&self, client: &Client) -> Result<(), RepositoryError>;
    /// Finds a client by id.
    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepositoryError>;
    /// Every client, oldest first.
    async fn list(&self) -> Result<Vec<Client>, RepositoryError>;
    /// Deletes a client; false if there was none.
    async fn delete(&self, id: &ClientId) -> Result<bool, RepositoryError>;
    /// Replaces the settings of a stored client (name, grants, redirect URIs, scope,
    /// `skip_consent`); the id, type, secret and creation time stay. False if not stored.
    async fn update(&self, client: &Client) -> Result<bool, RepositoryError>;
    /// Replaces the secret digest of a confidential client; false if there is no such client
    /// or it is public (a public client must never gain a secret this way).
    async fn update_secret(
        &self,
        id: &ClientId,
        digest: &TokenDigest,
    ) -> Result<bool, RepositoryError>;
}
