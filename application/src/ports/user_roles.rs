use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Role, RoleGrant, UserId};

/// Which users hold which roles (the `user_roles` table). Deleting a user deletes their roles.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRoleRepository: Send + Sync {
    /// Grants `grant.role` to `grant.user_id`; true if it was new, false if the user already
    /// held it (the first grant's time and grantor are kept).
    ///
    /// # Errors
    /// An error (never `Ok`) when the user is not stored.
    async fn grant(&self, grant: &RoleGrant) -> Result<bool, RepositoryError>;
    /// Takes `role` away from user `id`; true if they held it.
    async fn revoke(&self, id: &UserId, role: Role) -> Result<bool, RepositoryError>;
    /// The roles user `id` holds, in [`Role`] order; empty for an unknown user.
    async fn roles_of(&self, id: &UserId) -> Result<Vec<Role>, RepositoryError>;
    /// Every holder of `role`, oldest grant first (ties by user id).
    async fn holders(&self, role: Role) -> Result<Vec<RoleGrant>, RepositoryError>;
}
