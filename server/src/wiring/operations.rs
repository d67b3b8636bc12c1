//! Running the service: metrics, the audit trail, readiness, request ids and the background
//! deletion of expired rows.

use super::Core;
use crate::config::HousekeepingConfig;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::{start_audit_writer, AuditWriter};
use tessera_adapters::http::{self, Readiness};
use tessera_adapters::observability::{MeteredAuditLog, Metrics, RequestIds};
use tessera_application::ports::{AuditLog, Clock};
use tessera_application::services::Housekeeping;

/// Events the audit writer holds before new ones wait.
const AUDIT_QUEUE: usize = 10_000;

/// The operational parts of the server.
pub struct Operations {
    /// Request and domain counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The audit table's background writer (flushed on shutdown).
    pub audit_writer: Arc<AuditWriter>,
    /// Every security event goes through this one sink: the audit table (batched, in the
    /// background), the log, and the counters only events can tell (lockouts).
    pub audit: Arc<dyn AuditLog>,
    /// `/readyz`: database reachable, keys loaded, not shutting down.
    pub readiness: Arc<Readiness>,
    /// Request ids for the access log and answers.
    pub request_ids: Arc<RequestIds>,
}

impl Operations {
    /// Starts the audit writer (must run inside the runtime).
    pub fn start(core: &Core) -> Self {
        let metrics = Arc::new(Metrics::new(&http::known_routes()));
        let audit_writer = Arc::new(start_audit_writer(core.db.audit(), AUDIT_QUEUE));
        let audit: Arc<dyn AuditLog> =
            Arc::new(MeteredAuditLog::new(audit_writer.clone(), metrics.clone()));
        Self {
            readiness: Arc::new(Readiness::new(core.db.clone(), core.jws.clone())),
            request_ids: Arc::new(RequestIds::new(core.rng.as_ref())),
            metrics,
            audit_writer,
            audit,
        }
    }

    /// The housekeeper the configuration asks for, if any.
    pub fn housekeeper(
        &self,
        core: &Core,
        config: Option<HousekeepingConfig>,
        unused_client_ttl: i64,
    ) -> Option<Housekeeper> {
        config.map(|h| Housekeeper {
            service: Housekeeping::new(
                core.db
                    .housekeeping_with(core.access_token_reach(), unused_client_ttl),
                h.batch,
            ),
            every: h.every,
            clock: core.clock.clone(),
            metrics: self.metrics.clone(),
        })
    }
}

/// The background deletion of expired rows: one run per interval, the first one interval
/// after start (so it never races what a just-started process or its tests set up).
pub struct Housekeeper {
    service: Housekeeping,
    every: Duration,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl Housekeeper {
    /// Runs forever (until aborted); a failed run is logged and retried next interval.
    pub async fn run(self) {
        let mut tick = tokio::time::interval(self.every);
        // A run longer than the interval delays the next rather than bunching runs up.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match self.service.run_once(self.clock.now()).await {
                Ok(report) => {
                    for (kind, n) in &report.deleted {
                        if *n > 0 {
                            self.metrics.housekeeping_deleted(kind.as_str(), *n);
                        }
                    }
                    if report.total() > 0 {
                        log::info!(
                            "housekeeping deleted {} expired rows in {:?}{}: {}",
                            report.total(),
                            report.elapsed,
                            if report.budget_spent {
                                " (time budget spent; the rest next run)"
                            } else {
                                ""
                            },
                            report.summary()
                        );
                    }
                }
                Err(e) => log::warn!("housekeeping failed (retried next interval): {e}"),
            }
        }
    }
}
