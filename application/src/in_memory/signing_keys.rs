//! [`SigningKeyRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{KeyState, SigningKey};

use super::InMemoryStore;
use crate::ports::{SigningKeyRepository, StoredSigningKey};
use crate::RepositoryError;

#[async_trait]
impl SigningKeyRepository for InMemoryStore {
    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepositoryError> {
        // Newest first, ties by kid (the map's order, kept by the stable sort).
        let mut all: Vec<StoredSigningKey> = self.lock()?.signing_keys.values().cloned().collect();
        all.sort_by_key(|k| std::cmp::Reverse(k.key.created_at));
        Ok(all)
    }

    async fn save(
        &self,
        updated: Vec<SigningKey>,
        inserted: Vec<StoredSigningKey>,
    ) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        // Worked on a copy and stored only when whole: the transaction's all or nothing.
        let mut keys = t.signing_keys.clone();
        for key in updated {
            let stored = keys.get_mut(&key.kid).ok_or_else(|| {
                RepositoryError::other(format!("signing key {:?} to update is not stored", key.kid))
            })?;
            stored.key.state = key.state;
            stored.key.retire_after = key.retire_after;
        }
        for key in inserted {
            if keys.contains_key(&key.key.kid) {
                return Err(RepositoryError::Conflict);
            }
            keys.insert(key.key.kid.clone(), key);
        }
        // The schema's unique index: at most one active key.
        let active = keys
            .values()
            .filter(|k| k.key.state == KeyState::Active)
            .count();
        if active > 1 {
            return Err(RepositoryError::Conflict);
        }
        t.signing_keys = keys;
        Ok(())
    }
}
