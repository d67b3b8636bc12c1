//! [`SecondFactorRepository`] in memory.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tessera_domain::{TokenDigest, UnixTime, UserId};

use super::tables::{DigestKey, RecoveryCodeRow, Tables};
use super::InMemoryStore;
use crate::ports::{SecondFactorRepository, StoredTotp};
use crate::RepositoryError;

/// What the SQL `DELETE` then `INSERT` of a user's recovery codes does, in one critical
/// section: a repeated digest violates the primary key (`Conflict`) and changes nothing.
fn replace_codes(
    t: &mut Tables,
    user: &UserId,
    codes: &[TokenDigest],
) -> Result<(), RepositoryError> {
    if codes.is_empty() {
        t.recovery_codes.retain(|(u, _), _| u != user.as_str());
        return Ok(());
    }
    t.require_user(user)?;
    let digests: BTreeSet<DigestKey> = codes.iter().map(|c| *c.as_bytes()).collect();
    if digests.len() != codes.len() {
        return Err(RepositoryError::Conflict);
    }
    t.recovery_codes.retain(|(u, _), _| u != user.as_str());
    for digest in digests {
        t.recovery_codes.insert(
            (user.as_str().to_owned(), digest),
            RecoveryCodeRow { used_at: None },
        );
    }
    Ok(())
}

#[async_trait]
impl SecondFactorRepository for InMemoryStore {
    async fn totp(&self, user: &UserId) -> Result<Option<StoredTotp>, RepositoryError> {
        Ok(self.lock()?.totp.get(user.as_str()).cloned())
    }

    async fn put_unconfirmed_totp(&self, totp: &StoredTotp) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_user(&totp.user_id)?;
        if t.totp
            .get(totp.user_id.as_str())
            .is_some_and(|e| e.confirmed)
        {
            return Err(RepositoryError::Conflict);
        }
        t.totp.insert(
            totp.user_id.as_str().to_owned(),
            StoredTotp {
                confirmed: false,
                ..totp.clone()
            },
        );
        Ok(())
    }

    async fn confirm_totp(
        &self,
        user: &UserId,
        step: i64,
        recovery_codes: &[TokenDigest],
        _now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if t.totp.get(user.as_str()).is_none_or(|e| e.confirmed) {
            return Ok(false);
        }
        replace_codes(&mut t, user, recovery_codes)?;
        if let Some(enrolment) = t.totp.get_mut(user.as_str()) {
            enrolment.confirmed = true;
            enrolment.last_step = Some(step);
        }
        Ok(true)
    }

    async fn use_totp_step(&self, user: &UserId, step: i64) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.totp.get_mut(user.as_str()) {
            Some(e) if e.confirmed && e.last_step.is_none_or(|last| last < step) => {
                e.last_step = Some(step);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        t.recovery_codes.retain(|(u, _), _| u != user.as_str());
        Ok(t.totp.remove(user.as_str()).is_some())
    }

    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        codes: &[TokenDigest],
        _now: UnixTime,
    ) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        replace_codes(&mut t, user, codes)
    }

    async fn use_recovery_code(
        &self,
        user: &UserId,
        code: &TokenDigest,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let key = (user.as_str().to_owned(), *code.as_bytes());
        match t.recovery_codes.get_mut(&key) {
            Some(row) if row.used_at.is_none() => {
                row.used_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn recovery_codes_left(&self, user: &UserId) -> Result<u32, RepositoryError> {
        let t = self.lock()?;
        let left = t
            .recovery_codes
            .iter()
            .filter(|((u, _), row)| u == user.as_str() && row.used_at.is_none())
            .count();
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
