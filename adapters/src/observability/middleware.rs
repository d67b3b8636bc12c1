//! The request observer: request id, metrics, the access log and (when tracing is on) the
//! request's server span, in one middleware so each request pays for one clock read and one
//! route lookup. With tracing off the span costs one `Option` test.

use super::metrics::{Metrics, UNMATCHED};
use super::otel::{RequestSpan, Tracing};
use super::request_id::{self, RequestId, RequestIds};
use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{Error, HttpMessage, HttpRequest};
use opentelemetry::context::FutureExt as _;
use std::borrow::Cow;
use std::future::{ready, Future, Ready};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The request and response header carrying the request id.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `log` target of the access lines, so they can be filtered apart
/// (`RUST_LOG=tessera::access=off`).
pub const ACCESS_TARGET: &str = "tessera::access";

/// Middleware factory: wrap the `App` with it (outermost, so it sees every answer).
#[derive(Clone)]
pub struct RequestObserver {
    metrics: Arc<Metrics>,
    ids: Arc<RequestIds>,
    tracing: Option<Tracing>,
}

impl RequestObserver {
    /// Observes into `metrics`, naming requests with `ids`.
    pub fn new(metrics: Arc<Metrics>, ids: Arc<RequestIds>) -> Self {
        Self {
            metrics,
            ids,
            tracing: None,
        }
    }

    /// Also opens a server span per request (`otel.endpoint` set), whose trace id becomes the
    /// request id; `None` leaves tracing off.
    pub fn with_tracing(mut self, tracing: Option<Tracing>) -> Self {
        self.tracing = tracing;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequestObserver
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestObserverService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestObserverService {
            service,
            observer: self.clone(),
        }))
    }
}

/// The per-worker service built by [`RequestObserver`].
pub struct RequestObserverService<S> {
    service: S,
    observer: RequestObserver,
}

impl<S, B> Service<ServiceRequest> for RequestObserverService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let span = self
            .observer
            .tracing
            .as_ref()
            .map(|tracing| RequestSpan::start(tracing, &req));
        let incoming = req.headers().get(&X_REQUEST_ID);
        let id = match (span.as_ref().and_then(RequestSpan::request_id), incoming) {
            (Some(trace_id), _) => trace_id,
            (None, incoming) => match incoming.and_then(|v| RequestId::parse(v.as_bytes())) {
                Some(id) => id,
                None => self.observer.ids.generate(),
            },
        };
        // A sane caller id is echoed as the very header value it came in (no copy).
        let echo = incoming
            .filter(|v| v.as_bytes() == id.as_str().as_bytes())
            .cloned();
        req.extensions_mut().insert(id);
        let seen = Seen {
            started,
            method: req.method().clone(),
            client: req.peer_addr().map(|a| a.ip()),
            metrics: self.observer.metrics.clone(),
            id,
            echo,
        };
        let inner = self.service.call(req);
        match span {
            None => Box::pin(observe(request_id::scope(id, inner), seen, None)),
            // The handler runs with the span's context attached at every poll, so the spans
            // of its database, hashing and signing steps become children across `.await`s.
            Some(span) => {
                let inner = inner.with_context(span.context().clone());
                Box::pin(observe(request_id::scope(id, inner), seen, Some(span)))
            }
        }
    }
}

/// What the observer noted of a request before handing it on.
struct Seen {
    started: Instant,
    method: Method,
    client: Option<IpAddr>,
    metrics: Arc<Metrics>,
    id: RequestId,
    echo: Option<HeaderValue>,
}

/// Awaits the answer, then counts it, closes its span, echoes the id and logs the access line.
async fn observe<B>(
    inner: impl Future<Output = Result<ServiceResponse<B>, Error>>,
    seen: Seen,
    span: Option<RequestSpan>,
) -> Result<ServiceResponse<B>, Error> {
    let Seen {
        started,
        method,
        client,
        metrics,
        id,
        echo,
    } = seen;
    let result = inner.await;
    let elapsed = started.elapsed();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let route = route_label(&metrics, res.request());
            metrics.observe_request(&route, &method, status, elapsed);
            // 429 is answered only by the rate limiter (client auth, account API,
            // login form): counting it here covers every caller of the limiter.
            if status == 429 {
                metrics.rate_limited(&route);
            }
            if let Some(span) = span {
                let matched = (route != UNMATCHED).then_some(route.as_ref());
                span.finish(&method, matched, status);
            }
            let value = echo.or_else(|| HeaderValue::from_str(id.as_str()).ok());
            if let Some(v) = value {
                res.headers_mut().insert(X_REQUEST_ID, v);
            }
            access_log(&method, res.request().path(), status, elapsed, &id, client);
            Ok(res)
        }
        Err(e) => {
            // Errors almost never get here (handlers' errors are already responses);
            // the request is gone with them, so no route or path is known.
            let status = e.as_response_error().status_code().as_u16();
            metrics.observe_request(UNMATCHED, &method, status, elapsed);
            if let Some(span) = span {
                span.finish(&method, None, status);
            }
            access_log(&method, "-", status, elapsed, &id, client);
            Err(e)
        }
    }
}

/// The route pattern of `req`, or [`UNMATCHED`]. Every route today is a fixed path, so a path
/// in the known table *is* its pattern, and no re-match (nor allocation) is needed; other
/// paths ask actix for the pattern they matched, if any.
fn route_label<'a>(metrics: &Metrics, req: &'a HttpRequest) -> Cow<'a, str> {
    let path = req.path();
    if metrics.is_known_route(path) {
        return Cow::Borrowed(path);
    }
    match req.match_pattern() {
        Some(p) => Cow::Owned(p),
        None => Cow::Borrowed(UNMATCHED),
    }
}

/// One access line. Only the path: the query string can hold secrets (link tokens, codes),
/// and no header, cookie or body is read. The key-values become separate JSON fields.
fn access_log(
    method: &Method,
    path: &str,
    status: u16,
    elapsed: Duration,
    id: &RequestId,
    client: Option<IpAddr>,
) {
    if !log::log_enabled!(target: ACCESS_TARGET, log::Level::Info) {
        return;
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let rid = id.as_str();
    let client = Client(client);
    log::info!(
        target: ACCESS_TARGET,
        method = method.as_str(),
        path = path,
        status = status,
        latency_ms = latency_ms,
        request_id = rid,
        client:% = client;
        "{method} {path} {status} {latency_ms:.2}ms rid={rid} client={client}"
    );
}

/// The client address, "-" when unknown.
struct Client(Option<IpAddr>);

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests;
