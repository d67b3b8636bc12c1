//! Signing-key administration: listing and rotation through [`KeyService`].

use super::{event, record, Actor};
use crate::ports::{AuditLog, Clock};
use crate::services::{KeyError, KeyService};
use std::sync::Arc;
use tessera_domain::{AuditAction, SigningAlgorithm, SigningKey};

/// Key administration for the admin API (the CLI's `keys` commands use [`KeyService`] too).
pub struct AdminKeys {
    keys: Arc<KeyService>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl AdminKeys {
    /// Builds the service.
    pub fn new(keys: Arc<KeyService>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditLog>) -> Self {
        Self { keys, clock, audit }
    }

    /// Every key with its effective state, newest first.
    pub async fn list(&self) -> Result<Vec<SigningKey>, KeyError> {
        self.keys.list().await
    }

    /// Rotates to a new active key of `alg` and reloads this process's keys at once (other
    /// processes pick it up on their next refresh). Returns the new active kid. Without
    /// `force`, refuses a key caches may not know yet (see [`KeyService::rotate`]).
    pub async fn rotate(
        &self,
        actor: &Actor,
        alg: SigningAlgorithm,
        force: bool,
    ) -> Result<String, KeyError> {
        let kid = self.keys.rotate(alg, force).await?;
        record(
            self.audit.as_ref(),
            event(
                self.clock.as_ref(),
                actor,
                AuditAction::KeyRotated,
                &format!("keys.rotate alg={alg} force={force}"),
            )
            .subject(kid.clone()),
        );
        if let Err(e) = self.keys.load().await {
            log::warn!("rotated to key {kid} but could not reload the keys yet: {e}");
        }
        Ok(kid)
    }
}

#[cfg(test)]
mod tests;
