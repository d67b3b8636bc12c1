//! What the operational and discovery endpoints need: discovery, JWKS, health, metrics and
//! the API description.

use crate::http::{ApiDocs, Discovery, MetricsSources, Readiness};
use std::sync::Arc;
use tessera_application::ports::JwsEngine;

/// The read-only documents and probes, served to anyone.
pub struct OperationsState {
    /// The loaded signing keys, for the JWKS.
    pub jws: Arc<dyn JwsEngine>,
    /// Readiness: database reachable, keys loaded, not shutting down.
    pub readiness: Arc<Readiness>,
    /// Pre-serialised discovery documents.
    pub discovery: Discovery,
    /// Counters and histograms, shared with the request observer middleware.
    pub metrics: Arc<crate::observability::Metrics>,
    /// What `/metrics` reads at scrape time (pool, signing keys).
    pub metrics_sources: MetricsSources,
    /// The pre-serialised OpenAPI document and, outside production, its `/docs` page.
    pub api_docs: ApiDocs,
}
