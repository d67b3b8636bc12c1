//! The audit log listing of the admin API.

use crate::ports::{AuditFilter, AuditRepository, StoredAuditEvent};
use crate::RepositoryError;
use std::sync::Arc;

/// Largest page of the audit listing.
pub const MAX_AUDIT_PAGE: u32 = 500;

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
