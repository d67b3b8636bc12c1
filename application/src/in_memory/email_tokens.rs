//! [`EmailTokenRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{EmailToken, EmailTokenPurpose, TokenDigest, UnixTime, UserId};

use super::InMemoryStore;
use crate::ports::EmailTokenRepository;
use crate::RepositoryError;

#[async_trait]
impl EmailTokenRepository for InMemoryStore {
    async fn insert(&self, token: &EmailToken) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&token.user_id)?;
        let key = *token.digest.as_bytes();
        if t.email_tokens.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.email_tokens.insert(key, token.clone());
        Ok(())
    }

    async fn find(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.email_tokens
            .get(digest.as_bytes())
            .filter(|tok| tok.purpose == purpose && now.is_before(tok.expires_at))
            .cloned())
    }

    async fn consume(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError> {
        let mut t = self.lock()?;
        let usable = t
            .email_tokens
            .get(digest.as_bytes())
            .is_some_and(|tok| tok.purpose == purpose && now.is_before(tok.expires_at));
        Ok(if usable {
            t.email_tokens.remove(digest.as_bytes())
        } else {
            None
        })
    }

    async fn delete_for_user(
        &self,
        user: &UserId,
        purpose: EmailTokenPurpose,
    ) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.email_tokens.len();
        t.email_tokens
            .retain(|_, tok| !(tok.user_id == *user && tok.purpose == purpose));
        Ok((before - t.email_tokens.len()) as u64)
    }
}
