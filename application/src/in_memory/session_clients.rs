//! [`SessionClientRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{SessionClient, UserId};

use super::InMemoryStore;
use crate::ports::SessionClientRepository;
use crate::RepositoryError;

#[async_trait]
impl SessionClientRepository for InMemoryStore {
    async fn record(&self, entry: &SessionClient) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&entry.user_id)?;
        t.require_client(&entry.client_id)?;
        let key = (entry.sid.clone(), entry.client_id.as_str().to_owned());
        t.session_clients.insert(key, entry.clone());
        Ok(())
    }

    async fn take_for_session(&self, sid: &str) -> Result<Vec<SessionClient>, RepositoryError> {
        let mut t = self.lock()?;
        let keys: Vec<_> = t
            .session_clients
            .keys()
            .filter(|(s, _)| s == sid)
            .cloned()
            .collect();
        Ok(keys
            .iter()
            .filter_map(|k| t.session_clients.remove(k))
            .collect())
    }

    async fn take_for_user<'a>(
        &self,
        user: &UserId,
        keep: Option<&'a str>,
    ) -> Result<Vec<SessionClient>, RepositoryError> {
        let mut t = self.lock()?;
        let keys: Vec<_> = t
            .session_clients
            .iter()
            .filter(|(_, e)| e.user_id == *user && Some(e.sid.as_str()) != keep)
            .map(|(k, _)| k.clone())
            .collect();
        Ok(keys
            .iter()
            .filter_map(|k| t.session_clients.remove(k))
            .collect())
    }
}
