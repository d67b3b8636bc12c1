//! `GET /metrics` and request ids over real HTTP: after a token request, a good and a bad
//! login and a 404, the Prometheus text shows each of them; `X-Request-Id` is echoed when
//! sane and replaced when not. Both backends.

use crate::support::TestApp;
use serde_json::json;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

async fn login(app: &TestApp, password: &str) -> reqwest::StatusCode {
    app.http
        .post(app.url("/users/login"))
        .json(&json!({"email": EMAIL, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

/// The value of the sample whose line starts with `series` (labels in Prometheus' order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

async fn metrics_count_what_happened(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    app.token(&svc, Some("read")).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    assert_eq!(login(&app, PASSWORD).await, 200);
    assert_eq!(login(&app, "not the password at all").await, 401);
    let missing = app
        .http
        .get(app.url("/no/such/path?secret=xyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = res.text().await.unwrap();
    let expect = |series: &str, value: f64| {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    };
    expect(
        r#"tessera_tokens_issued_total{grant_type="client_credentials"}"#,
        1.0,
    );
    expect(r#"tessera_logins_total{outcome="success"}"#, 1.0);
    expect(r#"tessera_logins_total{outcome="failure"}"#, 1.0);
    expect(r#"tessera_logins_total{outcome="locked"}"#, 0.0);
    expect(
        r#"tessera_http_requests_total{method="POST",route="/token",status="200"}"#,
        1.0,
    );
    expect(
        r#"tessera_http_requests_total{method="POST",route="/users/login",status="401"}"#,
        1.0,
    );
    expect(
        r#"tessera_http_requests_total{method="GET",route="unmatched",status="404"}"#,
        1.0,
    );
    expect(
        r#"tessera_http_request_duration_seconds_count{method="POST",route="/token"}"#,
        1.0,
    );
    assert!(
        !text.contains("/no/such/path"),
        "raw paths never become labels"
    );
    assert!(!text.contains("xyz"));
    let max = sample(&text, r#"tessera_db_pool_connections{state="max"}"#).expect("max");
    let size = sample(&text, r#"tessera_db_pool_connections{state="size"}"#).expect("size");
    assert!(max >= 1.0 && size >= 1.0 && size <= max, "{max} {size}");
    assert!(sample(&text, r#"tessera_db_pool_connections{state="available"}"#).is_some());
    assert!(sample(&text, r#"tessera_db_pool_connections{state="waiting"}"#).is_some());
    let active_key = text
        .lines()
        .find(|l| {
            l.starts_with("tessera_signing_key_age_seconds{alg=\"RS256\"")
                && l.contains("state=\"active\"")
        })
        .unwrap_or_else(|| panic!("an active key's age in\n{text}"));
    let age: f64 = active_key.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((0.0..3600.0).contains(&age), "{active_key}");
    for family in [
        "tessera_lockouts_total",
        "tessera_audit_events_dropped_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} counter")),
            "{family}"
        );
    }
    app.stop().await;
}

both_backends!(metrics_after_traffic, metrics_count_what_happened);

async fn request_ids_are_echoed_or_replaced(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let rid = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .expect("x-request-id on every answer")
            .to_str()
            .unwrap()
            .to_owned()
    };
    let get = |id: Option<String>| {
        let mut req = app.http.get(app.url("/healthz"));
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        req.send()
    };
    let res = get(Some("abc-123".into())).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(rid(&res), "abc-123");

    let generated = rid(&get(None).await.unwrap());
    assert_eq!(generated.len(), 32);
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
    for bad in ["x".repeat(300), "with spaces".into(), "quote\"d".into()] {
        let replaced = rid(&get(Some(bad.clone())).await.unwrap());
        assert_ne!(replaced, bad);
        assert_eq!(replaced.len(), 32, "{replaced}");
        assert_ne!(replaced, generated, "ids are unique");
    }
    // Also on 404s and errors.
    let res = app
        .http
        .get(app.url("/nowhere"))
        .header("x-request-id", "trace:1.2_3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(rid(&res), "trace:1.2_3");
    app.stop().await;
}

both_backends!(request_ids, request_ids_are_echoed_or_replaced);
