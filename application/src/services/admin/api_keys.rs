//! API-key administration (through [`ApiKeys`]).

use super::{event, record, Actor};
use crate::ports::{AuditLog, Clock};
use crate::services::{ApiKeyError, ApiKeys};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{ApiKey, AuditAction, UnixTime};

/// API keys as the admin API manages them: [`ApiKeys`] plus the audit trail.
pub struct AdminApiKeys {
    keys: Arc<ApiKeys>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl AdminApiKeys {
    /// Builds the service.
    pub fn new(keys: Arc<ApiKeys>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditLog>) -> Self {
        Self { keys, clock, audit }
    }

    /// Every key, newest first.
    pub async fn list(&self) -> Result<Vec<ApiKey>, ApiKeyError> {
        self.keys.list().await
    }

    /// Makes a key; the full key in the answer is shown once and recorded nowhere.
    pub async fn create(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &str,
        expires_at: Option<UnixTime>,
    ) -> Result<(ApiKey, SecretString), ApiKeyError> {
        let (key, full) = self.keys.create(name, scopes, expires_at).await?;
        record(
            self.audit.as_ref(),
            event(
                self.clock.as_ref(),
                actor,
                AuditAction::ApiKeyCreated,
                "api_keys.create",
            )
            .subject(key.prefix.as_str()),
        );
        Ok((key, full))
    }

    /// Revokes a key by id; false when there is none (or it was revoked already).
    pub async fn revoke(&self, actor: &Actor, id: &str) -> Result<bool, ApiKeyError> {
        let revoked = self.keys.revoke(id).await?;
        if revoked {
            record(
                self.audit.as_ref(),
                event(
                    self.clock.as_ref(),
                    actor,
                    AuditAction::ApiKeyRevoked,
                    "api_keys.revoke",
                )
                .subject(id),
            );
        }
        Ok(revoked)
    }
}

#[cfg(test)]
mod tests;
