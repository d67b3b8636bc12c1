//! [`ChallengeRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{TokenDigest, UnixTime};

use super::InMemoryStore;
use crate::ports::{Challenge, ChallengePurpose, ChallengeRepository};
use crate::RepositoryError;

#[async_trait]
impl ChallengeRepository for InMemoryStore {
    async fn insert(&self, challenge: &Challenge) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let key = *challenge.digest.as_bytes();
        if t.challenges.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.challenges.insert(key, challenge.clone());
        Ok(())
    }

    async fn take(
        &self,
        digest: &TokenDigest,
        purpose: ChallengePurpose,
        now: UnixTime,
    ) -> Result<Option<Challenge>, RepositoryError> {
        let mut t = self.lock()?;
        let usable = t
            .challenges
            .get(digest.as_bytes())
            .is_some_and(|c| c.purpose == purpose && now.is_before(c.expires_at));
        Ok(if usable {
            t.challenges.remove(digest.as_bytes())
        } else {
            None
        })
    }

    async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.challenges.len();
        t.challenges.retain(|_, c| now.is_before(c.expires_at));
        Ok((before - t.challenges.len()) as u64)
    }
}
