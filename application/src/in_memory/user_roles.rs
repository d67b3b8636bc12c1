//! [`UserRoleRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Role, RoleGrant, UserId};

use super::InMemoryStore;
use crate::ports::UserRoleRepository;
use crate::RepositoryError;

#[async_trait]
impl UserRoleRepository for InMemoryStore {
    async fn grant(&self, grant: &RoleGrant) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if !t.users.contains_key(grant.user_id.as_str()) {
            // What the foreign key refuses in SQL.
            return Err(RepositoryError::other(format!(
                "user {} to grant a role to is not stored",
                grant.user_id
            )));
        }
        let key = (grant.user_id.as_str().to_owned(), grant.role);
        if t.user_roles.contains_key(&key) {
            return Ok(false);
        }
        t.user_roles.insert(key, grant.clone());
        Ok(true)
    }

    async fn revoke(&self, id: &UserId, role: Role) -> Result<bool, RepositoryError> {
        Ok(self
            .lock()?
            .user_roles
            .remove(&(id.as_str().to_owned(), role))
            .is_some())
    }

    async fn roles_of(&self, id: &UserId) -> Result<Vec<Role>, RepositoryError> {
        let t = self.lock()?;
        let mut roles: Vec<Role> = t
            .user_roles
            .keys()
            .filter(|(user, _)| user == id.as_str())
            .map(|(_, role)| *role)
            .collect();
        roles.sort();
        Ok(roles)
    }

    async fn holders(&self, role: Role) -> Result<Vec<RoleGrant>, RepositoryError> {
        let t = self.lock()?;
        let mut all: Vec<RoleGrant> = t
            .user_roles
            .values()
            .filter(|g| g.role == role)
            .cloned()
            .collect();
        all.sort_by(|a, b| {
            (a.granted_at, a.user_id.as_str()).cmp(&(b.granted_at, b.user_id.as_str()))
        });
        Ok(all)
    }
}
