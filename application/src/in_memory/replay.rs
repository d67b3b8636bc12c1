//! [`ReplayCache`] in memory.

use async_trait::async_trait;
use tessera_domain::UnixTime;

use super::InMemoryStore;
use crate::ports::{replay_key, ReplayCache, ReplayKind};
use crate::RepositoryError;

#[async_trait]
impl ReplayCache for InMemoryStore {
    async fn first_use(
        &self,
        kind: ReplayKind,
        issuer: &str,
        jti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let key = *replay_key(kind, issuer, jti).as_bytes();
        let mut t = self.lock()?;
        match t.used_jtis.get(&key) {
            Some(until) if *until > now => Ok(false),
            _ => {
                t.used_jtis.insert(key, expires_at);
                Ok(true)
            }
        }
    }
}
