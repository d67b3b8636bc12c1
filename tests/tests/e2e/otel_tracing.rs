//! OpenTelemetry tracing end to end, both backends: Tessera runs with `otel.endpoint` pointing
//! at a real OTLP/HTTP receiver started here (127.0.0.1, port 0) that decodes every
//! `POST /v1/traces` body as an `ExportTraceServiceRequest` (opentelemetry-proto, prost).
//! Checked: the server span of `POST /token` is the child of the caller's `traceparent`, with
//! route, method, status and client id; the database and signing steps are its children; a
//! password sign-in has a hashing span; the request id is the trace id; an outbound fetch (a
//! client's `jwks_uri`) carries a `traceparent` of the same trace; and with no endpoint no
//! span is made and the request id stays Tessera's own.

use crate::support::{test_config, TestApp};
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, ES256};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const EMAIL: &str = "otel@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// The caller's trace and span (W3C Trace Context example values, one trace per request).
const TOKEN_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const LOGIN_TRACE: &str = "5bf92f3577b34da6a3ce929d0e0e4737";
const FETCH_TRACE: &str = "6bf92f3577b34da6a3ce929d0e0e4738";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

fn traceparent(trace: &str) -> String {
    format!("00-{trace}-{CALLER_SPAN}-01")
}

/// One request the stub received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A tiny HTTP/1.1 server: an OTLP/HTTP receiver at `POST /v1/traces` (answers 200 with an
/// empty `ExportTraceServiceResponse`) and a JWKS at `GET /jwks.json`. Keeps every request.
struct Stub {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Stub {
    async fn start(jwks: String) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let keep = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (keep, jwks) = (keep.clone(), jwks.clone());
                tokio::spawn(async move { serve(stream, keep, jwks).await });
            }
        });
        Stub {
            base,
            received,
            task,
        }
    }

    fn requests(&self, path: &str) -> Vec<Received> {
        let all = self.received.lock().unwrap();
        all.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Every span exported so far.
    fn spans(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        for request in self.requests("/v1/traces") {
            assert_eq!(request.method, "POST");
            assert_eq!(
                request.headers.get("content-type").map(String::as_str),
                Some("application/x-protobuf"),
                "OTLP/HTTP protobuf"
            );
            let export = ExportTraceServiceRequest::decode(request.body.as_slice())
                .expect("an ExportTraceServiceRequest");
            for resource in export.resource_spans {
                let service = resource
                    .resource
                    .as_ref()
                    .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
                    .and_then(|a| string_value(a.value.as_ref()?.value.as_ref()?));
                assert_eq!(service.as_deref(), Some("tessera"));
                for scope in resource.scope_spans {
                    spans.extend(scope.spans);
                }
            }
        }
        spans
    }

    /// Waits (up to 10 s) until a span named `name` has arrived; returns them all.
    async fn wait_for_span(&self, name: &str) -> Vec<Span> {
        for _ in 0..200 {
            let spans = self.spans();
            if spans.iter().any(|s| s.name == name) {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let names: Vec<String> = self.spans().into_iter().map(|s| s.name).collect();
        panic!("no span {name:?} exported; got {names:?}");
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head, then `Content-Length` bytes of body), answers it, closes.
async fn serve(mut stream: TcpStream, keep: Arc<Mutex<Vec<Received>>>, jwks: String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let received = Received {
        method: request_line.first().unwrap_or(&"").to_string(),
        path: request_line.get(1).unwrap_or(&"").to_string(),
        headers,
        body: data[head_end..head_end + length].to_vec(),
    };
    let (content_type, body) = if received.path == "/jwks.json" {
        ("application/json", jwks.into_bytes())
    } else {
        ("application/x-protobuf", Vec::new())
    };
    keep.lock().unwrap().push(received);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

fn string_value(v: &AnyValue) -> Option<String> {
    match v {
        AnyValue::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

/// The attribute `key` of `span` as text (ints as their decimal form).
fn attr(span: &Span, key: &str) -> Option<String> {
    let value = span
        .attributes
        .iter()
        .find(|a| a.key == key)?
        .value
        .as_ref()?
        .value
        .as_ref()?;
    match value {
        AnyValue::IntValue(i) => Some(i.to_string()),
        other => string_value(other),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The one server span of the trace `trace` named `name`.
fn server_span<'a>(spans: &'a [Span], trace: &str, name: &str) -> &'a Span {
    let found: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == name && hex(&s.trace_id) == trace)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {name} span in trace {trace}: {spans:#?}"
    );
    let span = found[0];
    assert_eq!(span.kind, SpanKind::Server as i32, "a server span");
    span
}

fn children<'a>(spans: &'a [Span], parent: &Span) -> Vec<&'a Span> {
    spans
        .iter()
        .filter(|s| s.parent_span_id == parent.span_id && s.trace_id == parent.trace_id)
        .collect()
}

fn db_system(db: &TestDatabase) -> &'static str {
    if db.url().starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    }
}

async fn spawn_traced(db: TestDatabase, collector: &Stub) -> TestApp {
    let mut config = test_config(db.url());
    config.otel.endpoint = Some(collector.base.parse().unwrap());
    config.outbound.allow_private_addresses = true;
    TestApp::spawn_with(db, config).await
}

async fn token_and_sign_in_spans(db: TestDatabase) {
    let system = db_system(&db);
    let collector = Stub::start(String::new()).await;
    let app = spawn_traced(db, &collector).await;
    let client = app.service_client("client_secret_basic").await;
    app.create_user(EMAIL, PASSWORD, None).await;

    let res = app
        .http
        .post(app.url("/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .header("traceparent", traceparent(TOKEN_TRACE))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The request id (logs, audit, the echoed header) is the trace id.
    assert_eq!(
        res.headers()["x-request-id"].to_str().unwrap(),
        TOKEN_TRACE,
        "the request id is the trace id"
    );
    let login = app
        .http
        .post(app.url("/users/login"))
        .header("traceparent", traceparent(LOGIN_TRACE))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    // A request without `traceparent` starts a trace of its own.
    let plain = app.http.get(app.url("/jwks")).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    let plain_id = plain.headers()["x-request-id"].to_str().unwrap().to_owned();

    // Stopping the server flushes the batch exporter.
    app.stop().await;
    let spans = collector.wait_for_span("POST /users/login").await;

    let token = server_span(&spans, TOKEN_TRACE, "POST /token");
    assert_eq!(
        hex(&token.parent_span_id),
        CALLER_SPAN,
        "child of the caller"
    );
    assert_eq!(attr(token, "http.route").as_deref(), Some("/token"));
    assert_eq!(attr(token, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(
        attr(token, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attr(token, "oauth.client_id").as_deref(),
        Some(client.id.as_str())
    );
    let steps = children(&spans, token);
    let db_steps: Vec<&&Span> = steps
        .iter()
        .filter(|s| attr(s, "db.system").as_deref() == Some(system))
        .collect();
    assert!(
        !db_steps.is_empty(),
        "database spans under POST /token: {steps:#?}"
    );
    for step in &db_steps {
        assert_eq!(step.kind, SpanKind::Client as i32);
        let op = attr(step, "db.operation.name").unwrap();
        assert!(
            op.contains('.') && !op.starts_with("query"),
            "named table.method: {op} ({:?})",
            attr(step, "code.function.name")
        );
        assert!(step.start_time_unix_nano >= token.start_time_unix_nano);
        assert!(step.end_time_unix_nano <= token.end_time_unix_nano);
    }
    let sign = steps
        .iter()
        .find(|s| s.name == "jws.sign")
        .unwrap_or_else(|| panic!("a signing span under POST /token: {steps:#?}"));
    assert_eq!(attr(sign, "jws.typ").as_deref(), Some("at+jwt"));
    assert_eq!(attr(sign, "jws.alg").as_deref(), Some("RS256"));

    let login = server_span(&spans, LOGIN_TRACE, "POST /users/login");
    assert_eq!(hex(&login.parent_span_id), CALLER_SPAN);
    let hashing: Vec<&Span> = children(&spans, login)
        .into_iter()
        .filter(|s| s.name == "password.verify")
        .collect();
    assert_eq!(hashing.len(), 1, "one hashing span under the sign-in");
    assert_eq!(
        attr(hashing[0], "password.algorithm").as_deref(),
        Some("argon2id")
    );

    let jwks = spans
        .iter()
        .find(|s| s.name == "GET /jwks")
        .expect("the span of the untraced request");
    assert!(jwks.parent_span_id.is_empty(), "a root span");
    assert_eq!(
        hex(&jwks.trace_id),
        plain_id,
        "its request id is its trace id"
    );
}

async fn outbound_fetch_carries_the_trace(db: TestDatabase) {
    let pair = ES256.generate_key_pair().unwrap();
    let mut private: Jwk = pair.to_jwk_private_key();
    private.set_key_id("k1");
    let mut public: serde_json::Map<String, Value> = pair.to_jwk_public_key().into();
    public.insert("kid".into(), json!("k1"));
    let stub = Stub::start(json!({"keys": [public]}).to_string()).await;
    let app = spawn_traced(db, &stub).await;
    let client = app
        .register(NewClient {
            name: "key client".into(),
            grants: vec!["client_credentials".into()],
            scope: "read".into(),
            auth_method: Some("private_key_jwt".into()),
            jwks_uri: Some(format!("{}/jwks.json", stub.base)),
            ..NewClient::default()
        })
        .await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"iss": client.id, "sub": client.id, "aud": app.base,
                        "iat": now, "exp": now + 60, "jti": format!("otel-{now}")});
    let mut header = JwsHeader::new();
    header.set_key_id("k1");
    let signer = ES256.signer_from_jwk(&private).unwrap();
    let assertion =
        josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap();
    let res = app
        .http
        .post(app.url("/token"))
        .header("traceparent", traceparent(FETCH_TRACE))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, 200, "{}", res.text().await.unwrap());

    let fetches = stub.requests("/jwks.json");
    assert_eq!(fetches.len(), 1, "the jwks_uri was fetched once");
    let sent = fetches[0]
        .headers
        .get("traceparent")
        .expect("the fetch carries a traceparent")
        .clone();
    let parts: Vec<&str> = sent.split('-').collect();
    assert_eq!(parts.len(), 4, "{sent}");
    assert_eq!((parts[0], parts[1], parts[3]), ("00", FETCH_TRACE, "01"));
    assert_ne!(
        parts[2], CALLER_SPAN,
        "the parent is Tessera's span, not the caller's"
    );

    app.stop().await;
    let spans = stub.wait_for_span("POST /token").await;
    let token = server_span(&spans, FETCH_TRACE, "POST /token");
    assert_eq!(
        attr(token, "oauth.client_id").as_deref(),
        Some(client.id.as_str()),
        "the assertion's client"
    );
    let fetch = children(&spans, token)
        .into_iter()
        .find(|s| s.name == "GET")
        .unwrap_or_else(|| panic!("a client span for the fetch: {spans:#?}"));
    assert_eq!(fetch.kind, SpanKind::Client as i32);
    assert_eq!(hex(&fetch.span_id), parts[2], "the traceparent names it");
    assert_eq!(
        attr(fetch, "http.response.status_code").as_deref(),
        Some("200")
    );
}

async fn off_without_an_endpoint(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert!(app.config.otel.endpoint.is_none(), "off by default");
    let res = app
        .http
        .get(app.url("/jwks"))
        .header("traceparent", traceparent(TOKEN_TRACE))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert_ne!(id, TOKEN_TRACE, "no trace: the request id is Tessera's own");
    app.stop().await;
}

both_backends!(otel_token_and_sign_in_spans, token_and_sign_in_spans);
both_backends!(otel_outbound_fetch, outbound_fetch_carries_the_trace);
both_backends!(otel_off_without_an_endpoint, off_without_an_endpoint);
