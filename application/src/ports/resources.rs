use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Resource, ResourceIdentifier};

/// Where registered protected resources (RFC 8707) live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ResourceRepository: Send + Sync {
    /// Stores a new resource; `Conflict` if the identifier is taken.
    async fn insert(&self, resource: &Resource) -> Result<(), RepositoryError>;
    /// Finds a resource by its exact identifier.
    async fn find(&self, id: &ResourceIdentifier) -> Result<Option<Resource>, RepositoryError>;
    /// Every resource, oldest first.
    async fn list(&self) -> Result<Vec<Resource>, RepositoryError>;
    /// Deletes a resource; false if there was none. Tokens already issued for it stay valid
    /// until they expire (they are self-contained JWTs).
    async fn delete(&self, id: &ResourceIdentifier) -> Result<bool, RepositoryError>;
}
