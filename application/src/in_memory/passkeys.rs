//! [`PasskeyRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Passkey, UnixTime, UserId};

use super::InMemoryStore;
use crate::ports::PasskeyRepository;
use crate::RepositoryError;

#[async_trait]
impl PasskeyRepository for InMemoryStore {
    async fn insert(&self, passkey: &Passkey) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if t.passkeys.contains_key(&passkey.id)
            || t.passkeys
                .values()
                .any(|p| p.credential_id == passkey.credential_id)
        {
            return Err(RepositoryError::Conflict);
        }
        t.require_user(&passkey.user_id)?;
        t.passkeys.insert(passkey.id.clone(), passkey.clone());
        Ok(())
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Passkey>, RepositoryError> {
        let t = self.lock()?;
        let mut mine: Vec<Passkey> = t
            .passkeys
            .values()
            .filter(|p| p.user_id == *user)
            .cloned()
            .collect();
        // The map is ordered by id already: a stable sort by creation gives (created_at, id).
        mine.sort_by_key(|p| p.created_at.as_secs());
        Ok(mine)
    }

    async fn find_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<Passkey>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.passkeys
            .values()
            .find(|p| p.credential_id == credential_id)
            .cloned())
    }

    async fn record_use(
        &self,
        id: &str,
        credential: &str,
        now: UnixTime,
    ) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if let Some(p) = t.passkeys.get_mut(id) {
            credential.clone_into(&mut p.credential);
            p.last_used_at = Some(now);
        }
        Ok(())
    }

    async fn rename(&self, user: &UserId, id: &str, name: &str) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.passkeys.get_mut(id) {
            Some(p) if p.user_id == *user => {
                name.clone_into(&mut p.name);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, user: &UserId, id: &str) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if t.passkeys.get(id).is_some_and(|p| p.user_id == *user) {
            t.passkeys.remove(id);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.passkeys.len();
        t.passkeys.retain(|_, p| p.user_id != *user);
        Ok((before - t.passkeys.len()) as u64)
    }
}
