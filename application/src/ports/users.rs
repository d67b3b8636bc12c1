use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Email, User, UserId};

/// Where user accounts live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user; `Conflict` if the email is taken.
    async fn insert(&self, user: &User) -> Result<(), RepositoryError>;
    /// Finds a user by email (exact match of the parsed, domain-lowercased form).
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError>;
    /// Finds a user by id.
    async fn find(&self, id: &UserId) -> Result<Option<User>, RepositoryError>;
    /// Replaces the stored password hash (rehash on login when parameters changed).
    async fn update_password_hash(&self, id: &UserId, phc: &str) -> Result<(), RepositoryError>;
}
