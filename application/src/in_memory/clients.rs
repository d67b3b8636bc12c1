//! [`ClientRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Client, ClientId, TokenDigest, UnixTime};

use super::InMemoryStore;
use crate::ports::ClientRepository;
use crate::RepositoryError;

#[async_trait]
impl ClientRepository for InMemoryStore {
    async fn insert(&self, client: &Client) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if t.clients.contains_key(client.id.as_str()) {
            return Err(RepositoryError::Conflict);
        }
        t.clients
            .insert(client.id.as_str().to_owned(), client.clone());
        Ok(())
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepositoryError> {
        Ok(self.lock()?.clients.get(id.as_str()).cloned())
    }

    async fn list(&self) -> Result<Vec<Client>, RepositoryError> {
        let mut all: Vec<Client> = self.lock()?.clients.values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        Ok(all)
    }

    async fn delete(&self, id: &ClientId) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if t.clients.remove(id.as_str()).is_none() {
            return Ok(false);
        }
        t.client_first_use.remove(id.as_str());
        t.cascade_client(id.as_str());
        Ok(true)
    }

    async fn update(&self, client: &Client) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let Some(stored) = t.clients.get_mut(client.id.as_str()) else {
            return Ok(false);
        };
        let secretless = client.is_public()
            || client.auth_method == tessera_domain::TokenEndpointAuthMethod::PrivateKeyJwt;
        if stored.secret_digest.is_none() != secretless {
            return Ok(false);
        }
        stored.security = client.security.clone();
        stored.auth_method = client.auth_method;
        stored.application_type = client.application_type;
        stored.metadata = client.metadata.clone();
        stored.name = client.name.clone();
        stored.grant_types = client.grant_types.clone();
        stored.redirect_uris = client.redirect_uris.clone();
        stored.post_logout_redirect_uris = client.post_logout_redirect_uris.clone();
        stored.scope = client.scope.clone();
        stored.skip_consent = client.skip_consent;
        stored.require_mfa = client.require_mfa;
        stored.exchange_audiences = client.exchange_audiences.clone();
        Ok(true)
    }

    async fn update_secret(
        &self,
        id: &ClientId,
        digest: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.clients.get_mut(id.as_str()) {
            Some(c) if c.secret_digest.is_some() => {
                c.secret_digest = Some(digest.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn mark_used(&self, id: &ClientId, at: UnixTime) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if t.clients.contains_key(id.as_str()) {
            t.client_first_use
                .entry(id.as_str().to_owned())
                .or_insert(at);
        }
        Ok(())
    }

    async fn replace_registration_access(
        &self,
        id: &ClientId,
        current: &TokenDigest,
        new: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.clients.get_mut(id.as_str()) {
            Some(c) if c.registration_access_digest.as_ref() == Some(current) => {
                c.registration_access_digest = Some(new.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
