//! [`AuthorizationCodeRepository`] in memory.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tessera_domain::{AuthorizationCode, ClientId, TokenDigest, UnixTime, UserId};

use super::tables::CodeRow;
use super::InMemoryStore;
use crate::ports::{AuthorizationCodeRepository, CodeRedemption};
use crate::RepositoryError;

#[async_trait]
impl AuthorizationCodeRepository for InMemoryStore {
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&code.user_id)?;
        t.require_client(&code.client_id)?;
        let key = *code.digest.as_bytes();
        if t.codes.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.codes.insert(
            key,
            CodeRow {
                code: code.clone(),
                used_at: None,
            },
        );
        Ok(())
    }

    async fn consume(
        &self,
        digest: &TokenDigest,
        now: UnixTime,
    ) -> Result<CodeRedemption, RepositoryError> {
        let mut t = self.lock()?;
        Ok(match t.codes.get_mut(digest.as_bytes()) {
            None => CodeRedemption::NotFound,
            Some(row) if row.used_at.is_some() => CodeRedemption::AlreadyUsed {
                grant_id: row.code.grant_id.clone(),
            },
            Some(row) => {
                row.used_at = Some(now);
                CodeRedemption::Redeemed(Box::new(row.code.clone()))
            }
        })
    }

    async fn revoke_for_user<'a>(
        &self,
        user: &UserId,
        client: Option<&'a ClientId>,
        now: UnixTime,
    ) -> Result<Vec<String>, RepositoryError> {
        let mut t = self.lock()?;
        let mut grants = BTreeSet::new();
        for row in t.codes.values_mut() {
            let mine = row.code.user_id == *user && client.is_none_or(|c| row.code.client_id == *c);
            if mine {
                row.used_at.get_or_insert(now);
                grants.insert(row.code.grant_id.clone());
            }
        }
        Ok(grants.into_iter().collect())
    }
}
