//! [`ResourceRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Resource, ResourceIdentifier};

use super::InMemoryStore;
use crate::ports::ResourceRepository;
use crate::RepositoryError;

#[async_trait]
impl ResourceRepository for InMemoryStore {
    async fn insert(&self, resource: &Resource) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let key = resource.identifier.as_str().to_owned();
        if t.resources.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.resources.insert(key, resource.clone());
        Ok(())
    }

    async fn find(&self, id: &ResourceIdentifier) -> Result<Option<Resource>, RepositoryError> {
        Ok(self.lock()?.resources.get(id.as_str()).cloned())
    }

    async fn list(&self) -> Result<Vec<Resource>, RepositoryError> {
        let mut all: Vec<Resource> = self.lock()?.resources.values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.identifier).cmp(&(b.created_at, &b.identifier)));
        Ok(all)
    }

    async fn delete(&self, id: &ResourceIdentifier) -> Result<bool, RepositoryError> {
        Ok(self.lock()?.resources.remove(id.as_str()).is_some())
    }
}
