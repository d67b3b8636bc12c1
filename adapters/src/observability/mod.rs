//! Observability: Prometheus metrics, request ids and the access log.
//!
//! [`RequestObserver`] wraps the whole app: it names each request (a sane `X-Request-Id` or a
//! fresh id, echoed in the response), counts it by route pattern, method and status, and
//! writes one access line with structured fields. [`Metrics`] holds every family; the
//! `/metrics` handler renders it with scrape-time gauges from a [`Snapshot`]. [`otel`] holds the
//! OpenTelemetry traces (off unless `otel.endpoint` is set) and the span hooks of the adapters.

mod audit_sink;
mod metrics;
mod middleware;
pub mod otel;
mod request_id;

pub use audit_sink::MeteredAuditLog;
pub use metrics::{KeyAge, LoginOutcome, Metrics, PoolStatus, Snapshot, CONTENT_TYPE, UNMATCHED};
pub use middleware::{RequestObserver, RequestObserverService, ACCESS_TARGET, X_REQUEST_ID};
pub use request_id::{with_current as with_current_request_id, RequestId, RequestIds};
