//! Child spans of the request being handled, and the hooks the adapters call to make them.
//!
//! Every hook starts with [`super::active`]: with tracing off it returns an empty
//! [`ChildSpan`] (no allocation, no thread-local access). On, it looks for this server's tracer
//! in the current OpenTelemetry context; a call outside a traced request (a background task, a
//! command) finds none and makes no span either.

use super::{active, trace_headers, TracerHandle};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;

/// A span of one step of a request, ended when dropped. Empty (and free) when tracing is off
/// or the step runs outside a traced request.
#[must_use = "the span ends when this is dropped"]
pub struct ChildSpan {
    cx: Option<Context>,
}

impl ChildSpan {
    /// The span that records nothing.
    pub const fn none() -> Self {
        Self { cx: None }
    }

    /// Whether this span records anything (tracing on, inside a traced request).
    pub fn is_recording(&self) -> bool {
        self.cx.is_some()
    }

    /// Marks the step as failed, with a short fixed `reason` (never a value from a request).
    pub fn fail(&self, reason: &'static str) {
        if let Some(cx) = &self.cx {
            cx.span().set_status(Status::error(reason));
        }
    }

    /// Adds an attribute; `value` is built only when the span records.
    pub fn set(&self, key: &'static str, value: impl FnOnce() -> opentelemetry::Value) {
        if let Some(cx) = &self.cx {
            cx.span().set_attribute(KeyValue::new(key, value()));
        }
    }

    /// The W3C trace context headers naming this span as the parent, for an outgoing request.
    pub fn trace_headers(&self) -> Vec<(&'static str, String)> {
        match &self.cx {
            Some(cx) => trace_headers(cx),
            None => Vec::new(),
        }
    }
}

impl Drop for ChildSpan {
    fn drop(&mut self) {
        if let Some(cx) = self.cx.take() {
            cx.span().end();
        }
    }
}

/// Starts a child of the current request's span, if tracing is on and there is one.
fn child(
    name: impl FnOnce() -> Cow<'static, str>,
    kind: SpanKind,
    attributes: impl FnOnce() -> Vec<KeyValue>,
) -> ChildSpan {
    if !active() {
        return ChildSpan::none();
    }
    let cx = Context::map_current(|cx| {
        let tracer = cx.get::<TracerHandle>()?;
        let builder = tracer
            .0
            .span_builder(name())
            .with_kind(kind)
            .with_attributes(attributes());
        let span = tracer.0.build_with_context(builder, cx);
        Some(cx.with_span(span))
    });
    ChildSpan { cx }
}

/// The database engine of a [`db_span`], as OpenTelemetry's `db.system` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbSystem {
    /// `sqlite`.
    Sqlite,
    /// `postgresql`.
    Postgresql,
}

impl DbSystem {
    fn as_str(self) -> &'static str {
        match self {
            DbSystem::Sqlite => "sqlite",
            DbSystem::Postgresql => "postgresql",
        }
    }
}

/// A span for one repository call. `location` is the type name of an item declared inside the
/// repository method (`std::any::type_name_of_val`), which the compiler spells as the method's
/// path: the span is named `table.method` from it (`users.find_by_email`), with no string
/// written at each call site. A path of another shape gives `query`.
pub fn db_span(system: DbSystem, location: &'static str) -> ChildSpan {
    child(
        || Cow::Owned(operation_name(location)),
        SpanKind::Client,
        || {
            vec![
                KeyValue::new("db.system", system.as_str()),
                KeyValue::new("db.system.name", system.as_str()),
                KeyValue::new("db.operation.name", operation_name(location)),
                KeyValue::new("code.function.name", location),
            ]
        },
    )
}

/// `users.find_by_email` from
/// `tessera_adapters::persistence::users::<impl ...>::find_by_email::{{closure}}::__op`.
pub(crate) fn operation_name(location: &str) -> String {
    // The method is the last path segment before any closure or the marker item.
    let end = location.find("::{{closure}}").unwrap_or(location.len());
    let path = location.get(..end).unwrap_or(location);
    let path = path.strip_suffix("::__op").unwrap_or(path);
    // A closure's path spells the method's generic lifetimes: `find<'_, '_, '_>`.
    let path = match path.strip_suffix('>') {
        Some(generic) => generic.rsplit_once('<').map_or(path, |(p, _)| p),
        None => path,
    };
    let method = path.rsplit_once("::").map(|(_, m)| m);
    let module = location
        .split_once("::persistence::")
        .and_then(|(_, rest)| rest.split("::").next());
    match (module, method) {
        (Some(module), Some(method)) if is_identifier(module) && is_identifier(method) => {
            format!("{module}.{method}")
        }
        _ => "query".to_owned(),
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A span for an argon2 hash (`password.hash`) or check (`password.verify`), queueing for a
/// hashing slot included.
pub fn password_span(name: &'static str) -> ChildSpan {
    child(
        || Cow::Borrowed(name),
        SpanKind::Internal,
        || vec![KeyValue::new("password.algorithm", "argon2id")],
    )
}

/// A span for signing (`jws.sign`) or verifying (`jws.verify`) a compact JWS of type `typ`.
pub fn jws_span(name: &'static str, typ: &str) -> ChildSpan {
    child(
        || Cow::Borrowed(name),
        SpanKind::Internal,
        || vec![KeyValue::new("jws.typ", typ.to_owned())],
    )
}

/// A client span for an outgoing HTTP request (`GET`, `POST`) to `url`: method, scheme, host
/// and port only (a path or query registered by a client can hold anything).
pub fn client_span(method: &'static str, url: &url::Url) -> ChildSpan {
    child(
        || Cow::Borrowed(method),
        SpanKind::Client,
        || {
            let mut attributes = vec![
                KeyValue::new("http.request.method", method),
                KeyValue::new("url.scheme", url.scheme().to_owned()),
            ];
            if let Some(host) = url.host_str() {
                attributes.push(KeyValue::new("server.address", host.to_owned()));
            }
            if let Some(port) = url.port_or_known_default() {
                attributes.push(KeyValue::new("server.port", i64::from(port)));
            }
            attributes
        },
    )
}

/// Names the client a request is for on the request's span (`oauth.client_id`): the id it
/// presented (HTTP Basic, the form's `client_id`, an assertion's `iss`), known before it is
/// authenticated. A client id is an identifier, not a secret.
pub fn record_client_id(client_id: &str) {
    if !active() {
        return;
    }
    Context::map_current(|cx| {
        if cx.get::<TracerHandle>().is_some() {
            cx.span()
                .set_attribute(KeyValue::new("oauth.client_id", client_id.to_owned()));
        }
    });
}

/// `actix_web::rt::spawn` that keeps the trace: a request's step detached so it runs to its end
/// (a sign-in) still has the request's span as its parent. With tracing off, or outside a traced
/// request, it is the plain spawn.
pub fn spawn<F>(future: F) -> actix_web::rt::task::JoinHandle<F::Output>
where
    F: std::future::Future + 'static,
{
    use opentelemetry::context::FutureExt as _;
    // The spawned work keeps the request's language (for the mails it may send).
    let future = crate::i18n::with_locale(crate::i18n::current_locale(), future);
    let traced = active()
        .then(|| Context::map_current(|cx| cx.get::<TracerHandle>().map(|_| cx.clone())))
        .flatten();
    match traced {
        Some(cx) => actix_web::rt::spawn(future.with_context(cx)),
        None => actix_web::rt::spawn(future),
    }
}
