//! Liveness and readiness.

use super::state::OperationsState;
use super::wire::{ErrorBody, Status};
use crate::persistence::Database;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tessera_application::ports::JwsEngine;
use tessera_application::OAuthErrorCode;

/// Whether this process should receive traffic.
pub struct Readiness {
    db: Database,
    jws: Arc<dyn JwsEngine>,
    shutting_down: AtomicBool,
}

impl Readiness {
    /// Readiness backed by `db` and the key engine.
    pub fn new(db: Database, jws: Arc<dyn JwsEngine>) -> Self {
        Self {
            db,
            jws,
            shutting_down: AtomicBool::new(false),
        }
    }

    /// Marks the process as draining: readiness answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    async fn problems(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        if self.shutting_down.load(Ordering::SeqCst) {
            p.push("shutting down");
        }
        if self.jws.active_kid().is_none() {
            p.push("no signing key loaded");
        }
        if self.db.ping().await.is_err() {
            p.push("database unreachable");
        }
        p
    }
}

// `GET /healthz`: the process is alive. Deliberately checks nothing else.
/// Liveness
#[utoipa::path(get, operation_id = "healthz", path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Status)))]
pub async fn healthz_get() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Status { status: "ok" })
}

// `GET /readyz`: database reachable and keys loaded; 503 with the reasons otherwise.
/// Readiness: database reachable, keys loaded, not draining
#[utoipa::path(get, operation_id = "readyz", path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "`not_ready`, with the reasons", body = ErrorBody),
    ))]
pub async fn readyz_get(state: web::Data<OperationsState>) -> HttpResponse {
    let problems = state.readiness.problems().await;
    if problems.is_empty() {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(Status { status: "ready" })
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({
                "error": OAuthErrorCode::NotReady,
                "error_description": problems.join(", "),
            }))
    }
}
