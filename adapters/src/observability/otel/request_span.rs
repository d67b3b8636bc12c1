//! The server span of one request, opened and closed by the request observer.

use super::headers::RequestHeaders;
use super::{TracerHandle, Tracing};
use crate::observability::RequestId;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

/// The span of a request being handled and the context its handler runs in.
pub struct RequestSpan {
    cx: Context,
    id: Option<RequestId>,
}

impl RequestSpan {
    /// Opens the span of `req`: a child of the caller's span when a valid `traceparent` came
    /// with it (W3C Trace Context), else the root of a new trace. Named by the method until the
    /// route is known ([`Self::finish`]).
    pub fn start(tracing: &Tracing, req: &ServiceRequest) -> Self {
        let parent = tracing
            .propagator()
            .extract_with_context(&Context::new(), &RequestHeaders(req.headers()));
        let method = req.method().as_str().to_owned();
        let mut attributes = vec![
            KeyValue::new("http.request.method", method.clone()),
            KeyValue::new("url.path", req.path().to_owned()),
            KeyValue::new("url.scheme", req.connection_info().scheme().to_owned()),
        ];
        if let Some(peer) = req.peer_addr() {
            attributes.push(KeyValue::new("client.address", peer.ip().to_string()));
        }
        // A caller's own correlation id, kept next to the trace id that replaces it in logs.
        if let Some(caller) = req
            .headers()
            .get(crate::observability::X_REQUEST_ID)
            .and_then(|v| RequestId::parse(v.as_bytes()))
        {
            attributes.push(KeyValue::new(
                "http.request.header.x-request-id",
                caller.as_str().to_owned(),
            ));
        }
        let builder = tracing
            .tracer()
            .span_builder(method)
            .with_kind(SpanKind::Server)
            .with_attributes(attributes);
        let span = tracing.tracer().build_with_context(builder, &parent);
        let cx = parent
            .with_span(span)
            .with_value(TracerHandle(tracing.tracer().clone()));
        let id = trace_request_id(&cx);
        Self { cx, id }
    }

    /// The context the handler runs in.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// The request id while tracing: the trace id, 32 hex digits, so a log line and a trace
    /// are found by the same value.
    pub fn request_id(&self) -> Option<RequestId> {
        self.id
    }

    /// Closes the span with what the answer says: renamed `METHOD route` (the matched pattern,
    /// never the raw path), the status (`Error` status for 5xx, as OpenTelemetry's HTTP
    /// conventions say for servers).
    pub fn finish(self, method: &Method, route: Option<&str>, status: u16) {
        let span = self.cx.span();
        if let Some(route) = route {
            span.update_name(format!("{} {route}", method.as_str()));
            span.set_attribute(KeyValue::new("http.route", route.to_owned()));
        }
        span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
        if status >= 500 {
            span.set_status(Status::error(status.to_string()));
        }
        span.end();
    }
}

/// The trace id of `cx`'s span as a request id (32 hex digits always parse).
fn trace_request_id(cx: &Context) -> Option<RequestId> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = cx.span().span_context().trace_id().to_bytes();
    let mut hex = [b'0'; 32];
    for (pair, b) in hex.chunks_exact_mut(2).zip(bytes) {
        for (out, nibble) in pair.iter_mut().zip([b >> 4, b & 0xf]) {
            *out = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
        }
    }
    RequestId::parse(&hex)
}
