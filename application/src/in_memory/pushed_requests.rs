//! [`PushedRequestRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{ClientId, TokenDigest, UnixTime};

use super::InMemoryStore;
use crate::ports::{PushedRequest, PushedRequestRepository};
use crate::RepositoryError;

#[async_trait]
impl PushedRequestRepository for InMemoryStore {
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let key = *request.digest.as_bytes();
        if t.pushed_requests.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.pushed_requests.insert(key, request.clone());
        Ok(())
    }

    async fn take(
        &self,
        digest: &TokenDigest,
        client_id: &ClientId,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, RepositoryError> {
        let mut t = self.lock()?;
        let usable = t
            .pushed_requests
            .get(digest.as_bytes())
            .is_some_and(|r| r.client_id == *client_id && now.is_before(r.expires_at));
        Ok(if usable {
            t.pushed_requests.remove(digest.as_bytes())
        } else {
            None
        })
    }
}
