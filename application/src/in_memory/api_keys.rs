//! [`ApiKeyRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{ApiKey, ApiKeyPrefix, UnixTime};

use super::InMemoryStore;
use crate::ports::ApiKeyRepository;
use crate::RepositoryError;

#[async_trait]
impl ApiKeyRepository for InMemoryStore {
    async fn insert(&self, key: &ApiKey) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if t.api_keys.contains_key(key.prefix.as_str()) {
            return Err(RepositoryError::Conflict);
        }
        t.api_keys
            .insert(key.prefix.as_str().to_owned(), key.clone());
        Ok(())
    }

    async fn find(&self, prefix: &ApiKeyPrefix) -> Result<Option<ApiKey>, RepositoryError> {
        Ok(self.lock()?.api_keys.get(prefix.as_str()).cloned())
    }

    async fn list(&self) -> Result<Vec<ApiKey>, RepositoryError> {
        // Newest first, ties by prefix (the map's order, kept by the stable sort).
        let mut all: Vec<ApiKey> = self.lock()?.api_keys.values().cloned().collect();
        all.sort_by_key(|k| std::cmp::Reverse(k.created_at));
        Ok(all)
    }

    async fn revoke(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.api_keys.get_mut(prefix.as_str()) {
            Some(key) if key.revoked_at.is_none() => {
                key.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn touch(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if let Some(key) = t.api_keys.get_mut(prefix.as_str()) {
            if key.last_used_at.is_none_or(|last| last < now) {
                key.last_used_at = Some(now);
            }
        }
        Ok(())
    }
}
