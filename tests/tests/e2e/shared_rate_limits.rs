//! Many processes as one (issue 16): two Tessera servers on one database, as two processes
//! behind one load balancer. With `rate_limit.redis_url` they spend from the same budgets, so
//! failed client authentications on one count on the other; without it each keeps its own.
//! And an honest client with the right credentials is never throttled, however busy.
//!
//! Needs the Redis at `TESSERA_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); when it is
//! unreachable the shared tests are skipped loudly, unless `CI` or `TESSERA_REQUIRE_REDIS` is
//! set, in which case they fail. Each test uses a key namespace of its own; its keys expire
//! within five minutes (the budgets below).

use crate::support::{self, Creds, TestApp};
use actix_web::dev::ServerHandle;
use secrecy::SecretString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tessera_adapters::http::RedisSettings;
use tessera_server::config::Budget;
use tessera_server::Application;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Five failures, one back a minute: small enough to spend in a test, keys gone in minutes.
const FAILURES: Budget = Budget::new(5, 60);

/// The test Redis under a namespace of its own, or `None` (skipped loudly) when it does not
/// answer PING and is not required.
async fn redis() -> Option<RedisSettings> {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let url = std::env::var("TESSERA_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned());
    if !answers_ping(&url).await {
        let required =
            std::env::var_os("CI").is_some() || std::env::var_os("TESSERA_REQUIRE_REDIS").is_some();
        assert!(!required, "Redis at {url} is required but unreachable");
        eprintln!("SKIPPED: Redis at {url} is unreachable (set TESSERA_REQUIRE_REDIS to fail)");
        return None;
    }
    let mut settings = RedisSettings::parse(SecretString::from(url)).expect("a Redis URL");
    settings.namespace = format!(
        "tessera:rl:e2e:{}:{}:{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    // The 100 ms default would let a busy test machine fall back to per-process budgets now
    // and then, and this test is about sharing; the fallback has tests of its own (adapters).
    settings.timeout = Duration::from_secs(2);
    Some(settings)
}

async fn answers_ping(url: &str) -> bool {
    let Some(addr) = url.strip_prefix("redis://") else {
        return false;
    };
    let addr = addr.trim_end_matches('/').to_owned();
    let ping = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).await.ok()?;
        Some(&buf == b"+PONG\r\n")
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), ping).await,
        Ok(Some(true))
    )
}

/// A second server on the first's database and configuration, with the same issuer (one name
/// in front of both), on a port of its own.
struct Sibling {
    base: String,
    http: reqwest::Client,
    handle: ServerHandle,
}

impl Sibling {
    async fn start(first: &TestApp) -> Sibling {
        let mut config = first.config.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        config.http.bind = listener.local_addr().unwrap();
        let app = Application::build_on(&config, listener)
            .await
            .unwrap_or_else(|e| panic!("second server starts: {e:?}"));
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped(false));
        Sibling {
            base: format!("http://{}", config.http.bind),
            http: reqwest::Client::new(),
            handle,
        }
    }

    async fn post_form(&self, path: &str, c: &Creds, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .basic_auth(&c.id, Some(&c.secret))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn stop(self) {
        self.handle.stop(true).await;
    }
}

const CLIENT_CREDENTIALS: [(&str, &str); 1] = [("grant_type", "client_credentials")];

/// Spends the whole failure budget of 127.0.0.1 on `a` with a wrong secret.
async fn spend_failures_on(a: &TestApp, wrong: &Creds) {
    for i in 0..FAILURES.burst {
        let res = a
            .post_form("/token", Some(wrong), &CLIENT_CREDENTIALS)
            .await;
        assert_eq!(
            res.status(),
            401,
            "failure {i} is an ordinary invalid_client"
        );
    }
    let res = a
        .post_form("/token", Some(wrong), &CLIENT_CREDENTIALS)
        .await;
    assert_eq!(res.status(), 429, "then this server refuses the address");
}

/// AS-27 across processes: failures spent on A leave B nothing for this address; B answers
/// 429 with Retry-After, even to the right secret (the budget is checked first).
async fn failed_client_authentications_are_shared_through_redis(db: TestDatabase) {
    let Some(redis) = redis().await else { return };
    let mut config = support::test_config(db.url());
    config.rate_limit.client_auth_failures = FAILURES;
    config.rate_limit.redis = Some(redis);
    let a = TestApp::spawn_with(db, config).await;
    let b = Sibling::start(&a).await;
    let svc = a.service_client("client_secret_basic").await;
    let wrong = Creds {
        id: svc.id.clone(),
        secret: "guess".into(),
    };
    let res = b.post_form("/token", &svc, &CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), 200, "B serves the client before any failure");

    spend_failures_on(&a, &wrong).await;

    let res = b.post_form("/token", &wrong, &CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), 429, "B counts the failures spent on A");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "one back a minute: {retry}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests", "{body}");
    let res = b.post_form("/token", &svc, &CLIENT_CREDENTIALS).await;
    assert_eq!(
        res.status(),
        429,
        "the budget is checked before the credential"
    );
    b.stop().await;
    a.stop().await;
}
both_backends!(
    as_27_shared_through_redis,
    failed_client_authentications_are_shared_through_redis
);

/// Without `rate_limit.redis_url` each process keeps its own budgets (as before): failures
/// spent on A are not counted on B.
async fn without_redis_each_process_counts_its_own(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.rate_limit.client_auth_failures = FAILURES;
    assert!(config.rate_limit.redis.is_none(), "unset by default");
    let a = TestApp::spawn_with(db, config).await;
    let b = Sibling::start(&a).await;
    let svc = a.service_client("client_secret_basic").await;
    let wrong = Creds {
        id: svc.id.clone(),
        secret: "guess".into(),
    };

    spend_failures_on(&a, &wrong).await;

    let res = b.post_form("/token", &wrong, &CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), 401, "B has its own budget, untouched");
    let res = b.post_form("/token", &svc, &CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), 200);
    b.stop().await;
    a.stop().await;
}
both_backends!(
    as_27_per_process_without_redis,
    without_redis_each_process_counts_its_own
);

/// AS-27: successful authentications spend nothing, shared or not: a resource server
/// introspecting 300 times through both servers is never throttled, with a failure budget of
/// five.
async fn an_honest_client_is_never_throttled_with_redis(db: TestDatabase) {
    let Some(redis) = redis().await else { return };
    let mut config = support::test_config(db.url());
    config.rate_limit.client_auth_failures = FAILURES;
    config.rate_limit.client_id_failures = FAILURES;
    config.rate_limit.redis = Some(redis);
    let a = TestApp::spawn_with(db, config).await;
    let b = Sibling::start(&a).await;
    let svc = a.service_client("client_secret_basic").await;
    let token = a.token(&svc, None).await;
    let form = [("token", token.as_str())];
    for i in 0..300 {
        let res = if i % 2 == 0 {
            a.post_form("/introspect", Some(&svc), &form).await
        } else {
            b.post_form("/introspect", &svc, &form).await
        };
        assert_eq!(res.status(), 200, "introspection {i}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["active"], true, "introspection {i}: {body}");
    }
    b.stop().await;
    a.stop().await;
}
both_backends!(
    as_27_honest_client_with_redis,
    an_honest_client_is_never_throttled_with_redis
);
