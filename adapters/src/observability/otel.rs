//! OpenTelemetry traces, exported over OTLP/HTTP (protobuf) when `otel.endpoint` is set.
//!
//! Off (no endpoint) nothing is installed: no exporter, no provider, no span is ever built, and
//! every hook below is one relaxed atomic load that says no (see [`ACTIVE`]). On, the request
//! observer opens a server span per request (the caller's W3C `traceparent` as its parent) and
//! runs the handler with an OpenTelemetry [`Context`] attached to its future
//! (`FutureExt::with_context`), so the context follows the handler across every `.await`. That
//! context carries the span *and* the tracer of this server ([`TracerHandle`]): the hooks of the
//! database, hashing, signing and outbound code find both there, so their spans are children of
//! the request's and go to this server's exporter — no global provider, so two servers in one
//! process (the tests) never mix their spans.
//!
//! Files: `spans` (child spans and the hooks the adapters call), `request_span` (the server
//! span of the observer), `headers` (W3C trace context in and out of header maps).

mod headers;
mod request_span;
mod spans;

pub use request_span::RequestSpan;
pub use spans::{
    client_span, db_span, jws_span, password_span, record_client_id, spawn, ChildSpan, DbSystem,
};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::{runtime, Resource};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many tracing pipelines are installed in this process. Zero (tracing off, the default)
/// makes every hook return at once without touching the thread's context.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Whether any server in this process traces: the cheap first test of every hook.
#[inline]
fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed) != 0
}

/// The path OTLP/HTTP receivers take traces on (OTLP specification, "OTLP/HTTP Request").
pub const TRACES_PATH: &str = "/v1/traces";

/// Bound on one export (connect, send, answer).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// What tracing needs from the configuration.
#[derive(Debug, Clone)]
pub struct TracingSettings {
    /// The collector's OTLP/HTTP base URL (`http://collector:4318`); [`TRACES_PATH`] is
    /// appended unless the URL already ends with it.
    pub endpoint: url::Url,
    /// `service.name` of the resource.
    pub service_name: String,
}

/// Why tracing could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TracingError {
    /// The endpoint is not an http(s) URL.
    #[error("otel.endpoint must be an http or https URL")]
    Scheme,
    /// The exporter's HTTP client could not be built.
    #[error("cannot build the OTLP exporter's HTTP client")]
    Client(#[source] reqwest::Error),
    /// The exporter refused its settings.
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
}

/// The URL spans are POSTed to: `endpoint` + `/v1/traces`, as the OTLP specification builds a
/// signal's URL from `OTEL_EXPORTER_OTLP_ENDPOINT`; a URL that already ends in `/v1/traces`
/// is taken as it is (the signal-specific form).
pub fn traces_url(endpoint: &url::Url) -> Result<String, TracingError> {
    if !matches!(endpoint.scheme(), "http" | "https") {
        return Err(TracingError::Scheme);
    }
    let base = endpoint.as_str();
    if endpoint.path().ends_with(TRACES_PATH) {
        return Ok(base.to_owned());
    }
    Ok(format!("{}{TRACES_PATH}", base.trim_end_matches('/')))
}

/// The tracer of one server, in the context of each of its requests.
#[derive(Clone)]
pub(crate) struct TracerHandle(pub(crate) SdkTracer);

/// What the request observer needs to trace: the tracer and the W3C propagator.
#[derive(Clone)]
pub struct Tracing {
    tracer: SdkTracer,
    propagator: TraceContextPropagator,
}

impl std::fmt::Debug for Tracing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tracing")
    }
}

/// The installed exporter pipeline; [`TracingPipeline::shutdown`] flushes what is queued. It
/// must be built inside the tokio runtime that will run the batch exporter.
pub struct TracingPipeline {
    provider: SdkTracerProvider,
    counted: bool,
}

impl std::fmt::Debug for TracingPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TracingPipeline")
    }
}

/// Builds the OTLP/HTTP exporter, a batch processor running on the current tokio runtime and
/// the provider; returns the handle for the observer and the pipeline to shut down at exit.
pub fn install(settings: &TracingSettings) -> Result<(Tracing, TracingPipeline), TracingError> {
    let url = traces_url(&settings.endpoint)?;
    // The workspace's reqwest: no proxy from the environment, a bound on every export.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(EXPORT_TIMEOUT)
        .connect_timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(TracingError::Client)?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(http)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(|e| TracingError::Exporter(e.to_string()))?;
    let processor = BatchSpanProcessor::builder(exporter, runtime::Tokio).build();
    let resource = Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", settings.service_name.clone()),
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        ])
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build();
    let scope = InstrumentationScope::builder("tessera")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = provider.tracer_with_scope(scope);
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    Ok((
        Tracing {
            tracer,
            propagator: TraceContextPropagator::new(),
        },
        TracingPipeline {
            provider,
            counted: true,
        },
    ))
}

impl TracingPipeline {
    /// Exports every span still queued, then stops the exporter. The SDK waits for its batch
    /// task by blocking, so the wait runs on the blocking pool while the runtime drives it.
    pub async fn shutdown(mut self) {
        self.counted = false;
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
        let provider = self.provider.clone();
        let done = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::warn!("tracing: the last spans could not be exported: {e}"),
            Err(e) => log::warn!("tracing: the exporter did not shut down: {e}"),
        }
    }
}

impl Drop for TracingPipeline {
    /// Dropped without [`TracingPipeline::shutdown`] (start-up failed, or the runtime is going
    /// away): the SDK's own shutdown blocks until the batch task answers, which must not
    /// happen on a thread that task may need, so it is left to a thread of its own.
    fn drop(&mut self) {
        if std::mem::take(&mut self.counted) {
            ACTIVE.fetch_sub(1, Ordering::Relaxed);
            let provider = self.provider.clone();
            let spawned = std::thread::Builder::new()
                .name("otel-shutdown".into())
                .spawn(move || {
                    let _ = provider.shutdown();
                });
            if let Err(e) = spawned {
                log::warn!("tracing: cannot stop the exporter: {e}");
            }
        }
    }
}

impl Tracing {
    /// The tracer of this server's spans.
    pub(crate) fn tracer(&self) -> &SdkTracer {
        &self.tracer
    }

    /// W3C Trace Context, to read a caller's `traceparent`.
    pub(crate) fn propagator(&self) -> &TraceContextPropagator {
        &self.propagator
    }
}

/// The W3C `traceparent` (and `tracestate`) of `cx` as header pairs, when it holds a span.
pub(crate) fn trace_headers(cx: &Context) -> Vec<(&'static str, String)> {
    use opentelemetry::propagation::TextMapPropagator;
    use opentelemetry::trace::TraceContextExt;
    if !cx.span().span_context().is_valid() {
        return Vec::new();
    }
    let mut out = headers::Collected::default();
    TraceContextPropagator::new().inject_context(cx, &mut out);
    out.0
}

#[cfg(test)]
mod tests;
