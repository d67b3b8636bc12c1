use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Client, ClientId};

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
}
