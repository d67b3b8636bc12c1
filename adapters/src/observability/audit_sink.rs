//! The audit sink the server hands to every use case and handler: the background writer,
//! with the counts Prometheus shows taken from the events as they pass.

use super::Metrics;
use crate::audit::AuditWriter;
use std::sync::Arc;
use tessera_application::ports::AuditLog;
use tessera_domain::{AuditAction, AuditEvent};

/// Records to the audit writer and keeps `tessera_lockouts_total` and
/// `tessera_audit_events_dropped_total` in step with what it sees: a lockout is only known
/// where it happens (the sign-in service), and that service reports it as an audit event.
pub struct MeteredAuditLog {
    writer: Arc<AuditWriter>,
    metrics: Arc<Metrics>,
}

impl MeteredAuditLog {
    /// Wraps `writer`.
    pub fn new(writer: Arc<AuditWriter>, metrics: Arc<Metrics>) -> Self {
        Self { writer, metrics }
    }
}

impl AuditLog for MeteredAuditLog {
    fn record(&self, event: AuditEvent) {
        if event.action == AuditAction::AccountLocked {
            self.metrics.lockout();
        }
        self.writer.record(event);
        self.metrics.audit_dropped(self.writer.dropped());
    }
}
