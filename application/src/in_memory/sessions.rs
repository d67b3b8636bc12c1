//! [`SessionRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{BrowserSession, TokenDigest, UnixTime, UserId};

use super::InMemoryStore;
use crate::ports::SessionRepository;
use crate::RepositoryError;

#[async_trait]
impl SessionRepository for InMemoryStore {
    async fn insert(&self, session: &BrowserSession) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&session.user_id)?;
        let key = *session.digest.as_bytes();
        if t.sessions.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.sessions.insert(key, session.clone());
        Ok(())
    }

    async fn find(
        &self,
        digest: &TokenDigest,
        now: UnixTime,
    ) -> Result<Option<BrowserSession>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.sessions
            .get(digest.as_bytes())
            .filter(|s| now.is_before(s.expires_at))
            .cloned())
    }

    async fn delete(&self, digest: &TokenDigest) -> Result<(), RepositoryError> {
        self.lock()?.sessions.remove(digest.as_bytes());
        Ok(())
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.sessions.len();
        t.sessions.retain(|_, s| s.user_id != *user);
        Ok((before - t.sessions.len()) as u64)
    }

    async fn list_for_user(
        &self,
        user: &UserId,
        now: UnixTime,
    ) -> Result<Vec<BrowserSession>, RepositoryError> {
        let t = self.lock()?;
        let mut live: Vec<BrowserSession> = t
            .sessions
            .values()
            .filter(|s| s.user_id == *user && now.is_before(s.expires_at))
            .cloned()
            .collect();
        live.sort_by_key(|s| std::cmp::Reverse(s.auth_time.as_secs()));
        Ok(live)
    }

    async fn delete_others(
        &self,
        user: &UserId,
        keep: &TokenDigest,
    ) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.sessions.len();
        t.sessions
            .retain(|_, s| s.user_id != *user || s.digest == *keep);
        Ok((before - t.sessions.len()) as u64)
    }
}
