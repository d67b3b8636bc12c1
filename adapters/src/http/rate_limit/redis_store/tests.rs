//! The Lua script against the real Redis (`TESSERA_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`), each test under a namespace of its own; and what happens when
//! Redis is not there (a closed port) or stops answering (a proxy that stalls).
//!
//! When Redis is unreachable these tests are skipped loudly, unless `CI` or
//! `TESSERA_REQUIRE_REDIS` is set, in which case they fail.

use super::*;
use crate::http::rate_limit::{RateLimitSettings, RateLimiter};
use actix_web::test::TestRequest;
use actix_web::HttpRequest;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

fn redis_url() -> String {
    std::env::var("TESSERA_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned())
}

/// Settings on the test Redis with a namespace no other test uses.
fn settings_on(url: &str) -> RedisSettings {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let mut settings = RedisSettings::parse(SecretString::from(url.to_owned())).unwrap();
    settings.namespace = format!(
        "tessera:rl:test:{}:{}:{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    settings
}

/// A connected store on the test Redis, or `None` (skipped loudly) when it is unreachable
/// and not required.
async fn store() -> Option<(RedisStore, RedisSettings)> {
    let settings = settings_on(&redis_url());
    let store = RedisStore::new(&settings).unwrap();
    store.connect().await;
    if store.connected() {
        return Some((store, settings));
    }
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("TESSERA_REQUIRE_REDIS").is_some();
    assert!(
        !required,
        "Redis at {} is required but unreachable",
        redis_url()
    );
    eprintln!(
        "SKIPPED: Redis at {} is unreachable (set TESSERA_REQUIRE_REDIS to fail instead)",
        redis_url()
    );
    None
}

/// A plain connection, to look at keys behind the store's back.
async fn raw() -> MultiplexedConnection {
    Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn ip(s: &str) -> Key {
    Key::Ip(s.parse().unwrap())
}

fn refused(wait: u64) -> Option<Answer> {
    Some(Answer {
        verdict: Err(wait),
        spent: true,
    })
}

#[tokio::test]
async fn as_27_burst_then_refused_per_key() {
    let Some((s, _)) = store().await else { return };
    let budget = Budget::new(3, 3600);
    let key = ip("192.0.2.1");
    for _ in 0..3 {
        let a = s.call(Op::Take, Purpose::SignInFailure, &key, budget).await;
        assert_eq!(a.map(|a| a.verdict), Some(Ok(())));
    }
    assert_eq!(
        s.call(Op::Take, Purpose::SignInFailure, &key, budget).await,
        refused(1),
        "one back per second: wait 1 s"
    );
    assert_eq!(
        s.call(Op::Peek, Purpose::SignInFailure, &key, budget).await,
        refused(1),
        "peeking says the same"
    );
    let other = ip("192.0.2.2");
    let a = s
        .call(Op::Take, Purpose::SignInFailure, &other, budget)
        .await;
    assert_eq!(a.map(|a| a.verdict), Some(Ok(())), "buckets are per key");
    let a = s.call(Op::Take, Purpose::Registration, &key, budget).await;
    assert_eq!(a.map(|a| a.verdict), Some(Ok(())), "and per purpose");
}

#[tokio::test]
async fn as_27_spent_budget_refills_at_per_hour() {
    let Some((s, _)) = store().await else { return };
    // 36,000 an hour: one back every 100 ms.
    let budget = Budget::new(2, 36_000);
    let key = ip("192.0.2.3");
    for _ in 0..2 {
        s.call(Op::Take, Purpose::SignInFailure, &key, budget).await;
    }
    assert_eq!(
        s.call(Op::Take, Purpose::SignInFailure, &key, budget)
            .await
            .map(|a| a.verdict.is_err()),
        Some(true)
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let a = s.call(Op::Take, Purpose::SignInFailure, &key, budget).await;
    assert_eq!(a.map(|a| a.verdict), Some(Ok(())), "one came back");
}

#[tokio::test]
async fn peeking_spends_nothing() {
    let Some((s, _)) = store().await else { return };
    let budget = Budget::new(1, 1);
    let key = Key::Name("client:svc".into());
    for _ in 0..100 {
        let a = s
            .call(Op::Peek, Purpose::ClientIdFailure, &key, budget)
            .await;
        assert_eq!(
            a,
            Some(Answer {
                verdict: Ok(()),
                spent: false
            })
        );
    }
    let a = s
        .call(Op::Take, Purpose::ClientIdFailure, &key, budget)
        .await;
    assert_eq!(
        a,
        Some(Answer {
            verdict: Ok(()),
            spent: true
        })
    );
    assert_eq!(
        s.call(Op::Peek, Purpose::ClientIdFailure, &key, budget)
            .await,
        refused(3600),
        "one an hour: an hour to wait"
    );
}

#[tokio::test]
async fn r_08_keys_expire_when_their_bucket_is_full_again() {
    let Some((s, _)) = store().await else { return };
    let budget = Budget::new(5, 60); // one back a minute
    let key = ip("2001:db8:1:2::");
    let redis_key = s.redis_key(Purpose::AdminAuthFailure, &key);
    let mut conn = raw().await;
    s.call(Op::Peek, Purpose::AdminAuthFailure, &key, budget)
        .await;
    let exists: bool = redis::cmd("EXISTS")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!exists, "a peek writes nothing");
    s.call(Op::Take, Purpose::AdminAuthFailure, &key, budget)
        .await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        (55_000..=60_000).contains(&ttl),
        "one spent comes back in a minute: {ttl} ms"
    );
    s.call(Op::Take, Purpose::AdminAuthFailure, &key, budget)
        .await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((115_000..=120_000).contains(&ttl), "two in two: {ttl} ms");
    let _: () = redis::cmd("DEL")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn keys_are_namespaced_and_names_hashed() {
    let Some((s, settings)) = store().await else {
        return;
    };
    let by_ip = s.redis_key(Purpose::SignInFailure, &ip("198.51.100.7"));
    assert_eq!(
        by_ip,
        format!("{}:sign_in_failures:198.51.100.7", settings.namespace)
    );
    let by_name = s.redis_key(
        Purpose::MailPerAccount,
        &Key::Name("reset:alice@example.com".into()),
    );
    let digest = by_name
        .strip_prefix(&format!("{}:mail_per_account:", settings.namespace))
        .unwrap();
    assert_eq!(digest.len(), 64, "SHA-256 in hex: {by_name}");
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!by_name.contains("alice"));
}

fn from(addr: &str) -> HttpRequest {
    TestRequest::default()
        .peer_addr(addr.parse().unwrap())
        .to_http_request()
}

/// Three sign-in failures, three back an hour (one every 20 minutes).
fn small() -> RateLimitSettings {
    RateLimitSettings {
        sign_in_failures: Budget::new(3, 3),
        ..RateLimitSettings::default()
    }
}

#[tokio::test]
async fn as_27_two_limiters_on_one_redis_share_their_budgets() {
    let Some((_, settings)) = store().await else {
        return;
    };
    let a = RateLimiter::shared(small(), &settings).await.unwrap();
    let b = RateLimiter::shared(small(), &settings).await.unwrap();
    let req = from("203.0.113.9:1");
    a.sign_in_failed(&req).await;
    a.sign_in_failed(&req).await;
    assert!(b.check_sign_in(&req).await.is_ok());
    b.sign_in_failed(&req).await;
    assert_eq!(a.check_sign_in(&req).await, Err(1200), "3 an hour: 20 min");
    assert!(b.check_sign_in(&req).await.is_err());
    let mut separate = settings.clone();
    separate.namespace.push_str(":other");
    let c = RateLimiter::shared(small(), &separate).await.unwrap();
    assert!(c.check_sign_in(&req).await.is_ok(), "another namespace");
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn redis_down_falls_back_to_the_process_budget_at_once() {
    let url = format!("redis://127.0.0.1:{}", closed_port().await);
    let limiter = RateLimiter::shared(small(), &settings_on(&url))
        .await
        .expect("an unreachable Redis does not stop start-up");
    let req = from("203.0.113.10:1");
    let started = Instant::now();
    for _ in 0..3 {
        assert!(limiter.check_sign_in(&req).await.is_ok());
        limiter.sign_in_failed(&req).await;
    }
    assert_eq!(
        limiter.check_sign_in(&req).await,
        Err(1200),
        "the process's own budget still limits: no bypass"
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "no waiting on Redis: {took:?}"
    );
}

/// A TCP proxy to the test Redis that can be told to stop passing bytes on (a Redis that
/// hangs); returns its port.
async fn stalling_proxy(stalled: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = redis_url()
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&target).await else {
                return;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, stalled.clone()));
            tokio::spawn(pump(sr, cw, stalled.clone()));
        }
    });
    port
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stalled: Arc<AtomicBool>,
) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            return;
        }
        while stalled.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_hanging_redis_costs_one_timeout_then_the_process_budget_answers() {
    if store().await.is_none() {
        return;
    }
    let stalled = Arc::new(AtomicBool::new(false));
    let port = stalling_proxy(stalled.clone()).await;
    let settings = settings_on(&format!("redis://127.0.0.1:{port}"));
    let limiter = RateLimiter::shared(small(), &settings).await.unwrap();
    let req = from("203.0.113.11:1");
    for _ in 0..3 {
        limiter.sign_in_failed(&req).await;
    }
    stalled.store(true, Ordering::Relaxed);
    let started = Instant::now();
    assert_eq!(
        limiter.check_sign_in(&req).await,
        Err(1200),
        "the process's own budget, spent beside Redis, answers: no bypass"
    );
    let first = started.elapsed();
    assert!(
        first >= DEFAULT_TIMEOUT && first < Duration::from_secs(1),
        "one call waits for the timeout, no more: {first:?}"
    );
    let started = Instant::now();
    for _ in 0..20 {
        assert!(limiter.check_sign_in(&req).await.is_err());
    }
    let next = started.elapsed();
    assert!(
        next < DEFAULT_TIMEOUT,
        "then Redis is skipped for a while, not waited on per call: {next:?} for 20"
    );
    stalled.store(false, Ordering::Relaxed);
}

/// Not an assertion: what one call costs, printed (`--nocapture`).
#[tokio::test]
async fn redis_call_latency() {
    let Some((s, _)) = store().await else { return };
    let budget = Budget::new(20, 600);
    let key = ip("192.0.2.77");
    let n: u32 = 1000;
    let started = Instant::now();
    for _ in 0..n {
        s.call(Op::Peek, Purpose::ClientAuthFailure, &key, budget)
            .await
            .unwrap();
    }
    let peeks = started.elapsed();
    let started = Instant::now();
    for _ in 0..n {
        // One back every millisecond: never refused, and the key is gone a second later.
        s.call(
            Op::Take,
            Purpose::ClientIdFailure,
            &key,
            Budget::new(2000, 3_600_000),
        )
        .await
        .unwrap();
    }
    let takes = started.elapsed();
    eprintln!(
        "redis rate-limit call latency, {n} sequential calls each: peek {:.1} µs/call, take {:.1} µs/call",
        peeks.as_secs_f64() * 1e6 / f64::from(n),
        takes.as_secs_f64() * 1e6 / f64::from(n)
    );
}
