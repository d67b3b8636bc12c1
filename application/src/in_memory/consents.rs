//! [`ConsentRepository`] in memory.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tessera_domain::{ClientId, Consent, UserId};

use super::InMemoryStore;
use crate::ports::ConsentRepository;
use crate::RepositoryError;

fn key(user: &UserId, client: &ClientId) -> (String, String) {
    (user.as_str().to_owned(), client.as_str().to_owned())
}

#[async_trait]
impl ConsentRepository for InMemoryStore {
    async fn find(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<Option<Consent>, RepositoryError> {
        Ok(self.lock()?.consents.get(&key(user, client)).cloned())
    }

    async fn upsert(&self, consent: &Consent) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&consent.user_id)?;
        t.require_client(&consent.client_id)?;
        t.consents
            .insert(key(&consent.user_id, &consent.client_id), consent.clone());
        Ok(())
    }

    async fn delete(&self, user: &UserId, client: &ClientId) -> Result<bool, RepositoryError> {
        Ok(self.lock()?.consents.remove(&key(user, client)).is_some())
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Consent>, RepositoryError> {
        // The map is ordered by (user, client): this user's consents come by client id.
        let t = self.lock()?;
        Ok(t.consents
            .values()
            .filter(|c| c.user_id == *user)
            .cloned()
            .collect())
    }

    async fn revoke_with_grants(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<(bool, Vec<String>), RepositoryError> {
        let mut t = self.lock()?;
        let mut families = BTreeSet::new();
        for row in t.refresh_tokens.values_mut() {
            if row.token.user_id == *user && row.token.client_id == *client && !row.revoked {
                row.revoked = true;
                families.insert(row.token.grant_id.clone());
            }
        }
        let had = t.consents.remove(&key(user, client)).is_some();
        Ok((had, families.into_iter().collect()))
    }
}
