//! [`RevocationRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::UnixTime;

use super::InMemoryStore;
use crate::ports::RevocationRepository;
use crate::RepositoryError;

#[async_trait]
impl RevocationRepository for InMemoryStore {
    async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), RepositoryError> {
        // ON CONFLICT DO NOTHING: the first expiry stays.
        self.lock()?
            .revoked_jtis
            .entry(jti.to_owned())
            .or_insert(expires_at);
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, RepositoryError> {
        Ok(self.lock()?.revoked_jtis.contains_key(jti))
    }

    async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.revoked_jtis.len();
        t.revoked_jtis
            .retain(|_, expires_at| now.is_before(*expires_at));
        Ok((before - t.revoked_jtis.len()) as u64)
    }
}
