//! W3C trace context in and out of header maps: actix's request headers (extract) and a list
//! of pairs for an outgoing reqwest request (inject).

use opentelemetry::propagation::{Extractor, Injector};

/// The request headers of an incoming request, read by the propagator.
pub(super) struct RequestHeaders<'a>(pub(super) &'a actix_web::http::header::HeaderMap);

impl Extractor for RequestHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The headers the propagator writes, kept as pairs (only `traceparent` and `tracestate`).
#[derive(Default)]
pub(super) struct Collected(pub(super) Vec<(&'static str, String)>);

impl Injector for Collected {
    fn set(&mut self, key: &str, value: String) {
        let name = match key {
            "traceparent" => "traceparent",
            "tracestate" => "tracestate",
            _ => return,
        };
        self.0.push((name, value));
    }
}
