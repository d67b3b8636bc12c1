//! [`RefreshTokenRepository`] in memory.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tessera_domain::{RefreshToken, TokenDigest, UnixTime, UserId};

use super::tables::RefreshRow;
use super::InMemoryStore;
use crate::ports::{RefreshTokenRepository, StoredRefreshToken};
use crate::RepositoryError;

fn new_row(token: &RefreshToken) -> RefreshRow {
    RefreshRow {
        token: token.clone(),
        used_at: None,
        replay: None,
        replay_count: 0,
        revoked: false,
    }
}

#[async_trait]
impl RefreshTokenRepository for InMemoryStore {
    async fn insert(&self, token: &RefreshToken) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&token.user_id)?;
        t.require_client(&token.client_id)?;
        let key = *token.digest.as_bytes();
        if t.refresh_tokens.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.refresh_tokens.insert(key, new_row(token));
        Ok(())
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<StoredRefreshToken>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.refresh_tokens
            .get(digest.as_bytes())
            .map(|row| StoredRefreshToken {
                token: row.token.clone(),
                used: row.used_at.is_some(),
                used_at: row.used_at,
                replay: row.replay.clone(),
                revoked: row.revoked,
            }))
    }

    async fn rotate(
        &self,
        old: &TokenDigest,
        now: UnixTime,
        successor: &RefreshToken,
        replay: Option<Vec<u8>>,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let successor_key = *successor.digest.as_bytes();
        let rotatable = t
            .refresh_tokens
            .get(old.as_bytes())
            .is_some_and(|row| row.used_at.is_none() && !row.revoked);
        if !rotatable {
            return Ok(false);
        }
        // The transaction's insert would fail on a taken digest and undo the mark.
        if t.refresh_tokens.contains_key(&successor_key) {
            return Err(RepositoryError::Conflict);
        }
        t.require_user(&successor.user_id)?;
        t.require_client(&successor.client_id)?;
        if let Some(row) = t.refresh_tokens.get_mut(old.as_bytes()) {
            row.used_at = Some(now);
            row.replay = replay;
        }
        t.refresh_tokens.insert(successor_key, new_row(successor));
        Ok(true)
    }

    async fn claim_replay(&self, old: &TokenDigest, max: u32) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.refresh_tokens.get_mut(old.as_bytes()) {
            Some(row) if row.replay.is_some() && !row.revoked && row.replay_count < max => {
                row.replay_count += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_family(&self, grant_id: &str) -> Result<u64, RepositoryError> {
        let mut t = self.lock()?;
        let mut changed = 0u64;
        for row in t.refresh_tokens.values_mut() {
            if row.token.grant_id == grant_id && !row.revoked {
                row.revoked = true;
                changed += 1;
            }
        }
        Ok(changed)
    }

    async fn revoke_for_user(&self, user: &UserId) -> Result<Vec<String>, RepositoryError> {
        let mut t = self.lock()?;
        let mut families = BTreeSet::new();
        for row in t.refresh_tokens.values_mut() {
            if row.token.user_id == *user && !row.revoked {
                row.revoked = true;
                families.insert(row.token.grant_id.clone());
            }
        }
        Ok(families.into_iter().collect())
    }
}
