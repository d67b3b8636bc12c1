//! API-key administration (through [`ApiKeys`]) and the audit log listing.

use super::{event, record, Actor};
use crate::ports::{AuditFilter, AuditLog, AuditRepository, Clock, StoredAuditEvent};
use crate::services::{ApiKeyError, ApiKeys};
use crate::RepositoryError;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{ApiKey, AuditAction, UnixTime};

/// Largest page of the audit listing.
pub const MAX_AUDIT_PAGE: u32 = 500;

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

/// Reads the audit log for the admin API.
pub struct AdminAudit {
    repo: Arc<dyn AuditRepository>,
}

impl AdminAudit {
    /// Builds the service.
    pub fn new(repo: Arc<dyn AuditRepository>) -> Self {
        Self { repo }
    }

    /// Newest first, ids below `before`, at most `limit` (clamped to 1..=[`MAX_AUDIT_PAGE`]).
    pub async fn list(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.repo
            .list(filter, before, limit.clamp(1, MAX_AUDIT_PAGE))
            .await
    }
}
