use super::*;
use actix_web::test::TestRequest;
use std::net::SocketAddr;
use std::time::Duration;

fn settings() -> RateLimitSettings {
    RateLimitSettings {
        client_auth_failures: Budget::new(3, 3600),
        client_id_failures: Budget::new(2, 3600),
        sign_in_failures: Budget::new(3, 3600),
        ..RateLimitSettings::default()
    }
}

fn from(addr: &str) -> HttpRequest {
    let peer: SocketAddr = addr.parse().unwrap();
    TestRequest::default().peer_addr(peer).to_http_request()
}

fn table(budget: Budget) -> Table {
    Table::new(budget)
}

#[test]
fn as_27_burst_then_refill() {
    let t = table(Budget::new(3, 3600));
    let ip = Key::Ip("127.0.0.1".parse().unwrap());
    let t0 = Instant::now();
    for _ in 0..3 {
        assert!(t.take(ip.clone(), t0, 10).is_ok());
    }
    assert_eq!(t.take(ip.clone(), t0, 10), Err(1));
    assert_eq!(t.peek(&ip, t0), Err(1), "peeking says the same");
    assert!(t
        .take(ip.clone(), t0 + Duration::from_millis(1100), 10)
        .is_ok());
    let other = Key::Ip("127.0.0.2".parse().unwrap());
    assert!(t.take(other, t0, 10).is_ok(), "buckets are per key");
}

#[test]
fn peeking_spends_nothing() {
    let t = table(Budget::new(1, 1));
    let k = Key::Name("x".into());
    let t0 = Instant::now();
    for _ in 0..100 {
        assert!(t.peek(&k, t0).is_ok());
    }
    assert!(t.take(k.clone(), t0, 10).is_ok());
    assert_eq!(t.peek(&k, t0), Err(3600));
}

#[test]
fn r_08_tracked_keys_are_bounded() {
    let t = table(Budget::new(2, 3600));
    let t0 = Instant::now();
    let keys: Vec<Key> = (1..=3)
        .map(|i| Key::Ip(format!("10.0.0.{i}").parse().unwrap()))
        .collect();
    assert!(t.take(keys[0].clone(), t0, 2).is_ok());
    assert!(t.take(keys[1].clone(), t0, 2).is_ok());
    assert_eq!(
        t.take(keys[2].clone(), t0, 2),
        Err(1),
        "full, none refilled"
    );
    // Later the old buckets are full again and make room.
    assert!(t
        .take(keys[2].clone(), t0 + Duration::from_secs(5), 2)
        .is_ok());
    assert!(t.len() <= 2);
}

#[tokio::test]
async fn as_27_successful_client_authentications_spend_nothing() {
    let l = RateLimiter::new(settings());
    let req = from("127.0.0.1:5000");
    for _ in 0..10_000 {
        assert!(l.check_client_auth(&req, Some("svc")).await.is_ok());
    }
    assert_eq!(l.tracked(Purpose::ClientAuthFailure), 0);
}

#[tokio::test]
async fn as_27_failed_client_authentications_run_out_per_address() {
    let l = RateLimiter::new(settings());
    let attacker = from("192.0.2.1:1");
    for id in ["a", "b", "c"] {
        assert!(l.check_client_auth(&attacker, Some(id)).await.is_ok());
        l.client_auth_failed(&attacker, Some(id)).await;
    }
    assert!(l.check_client_auth(&attacker, Some("other")).await.is_err());
    assert!(l
        .check_client_auth(&from("192.0.2.2:1"), None)
        .await
        .is_ok());
}

#[tokio::test]
async fn as_27_a_client_id_out_of_failures_holds_back_failing_addresses_not_clean_ones() {
    let l = RateLimiter::new(settings());
    // Two attacker addresses spend the client id's budget of 2.
    for a in ["192.0.2.1:1", "192.0.2.2:1"] {
        l.client_auth_failed(&from(a), Some("svc")).await;
    }
    assert!(
        l.check_client_auth(&from("192.0.2.3:1"), Some("svc"))
            .await
            .is_ok(),
        "an address that never failed is not held back"
    );
    assert!(
        l.check_client_auth(&from("192.0.2.1:1"), Some("svc"))
            .await
            .is_err(),
        "an address that failed is, while the client id is out of failures"
    );
}

#[tokio::test]
async fn sign_in_failures_are_counted_only_when_they_happen() {
    let l = RateLimiter::new(settings());
    let req = from("198.51.100.7:1");
    for _ in 0..50 {
        assert!(l.check_sign_in(&req).await.is_ok());
    }
    for _ in 0..3 {
        l.sign_in_failed(&req).await;
    }
    assert!(l.check_sign_in(&req).await.is_err());
}

#[tokio::test]
async fn as_27_ipv6_callers_share_their_slash_64() {
    let l = RateLimiter::new(settings());
    for i in 1..=3 {
        l.sign_in_failed(&from(&format!("[2001:db8:1:2::{i}]:1")))
            .await;
    }
    assert!(l
        .check_sign_in(&from("[2001:db8:1:2:ffff::9]:1"))
        .await
        .is_err());
    assert!(l.check_sign_in(&from("[2001:db8:1:3::1]:1")).await.is_ok());
}

#[tokio::test]
async fn as_27_forwarded_for_takes_the_rightmost_entry_of_all_lines() {
    let l = RateLimiter::new(RateLimitSettings {
        trust_forwarded_for: true,
        ..settings()
    });
    let req = TestRequest::default()
        .peer_addr("10.0.0.1:1".parse().unwrap())
        .append_header(("X-Forwarded-For", "1.1.1.1, 2.2.2.2"))
        .append_header(("X-Forwarded-For", "3.3.3.3"))
        .to_http_request();
    assert_eq!(l.client_ip(&req), Some("3.3.3.3".parse().unwrap()));
    let spoofed = TestRequest::default()
        .peer_addr("10.0.0.1:1".parse().unwrap())
        .append_header(("X-Forwarded-For", "6.6.6.6, 4.4.4.4"))
        .to_http_request();
    assert_eq!(l.client_ip(&spoofed), Some("4.4.4.4".parse().unwrap()));
    let untrusted = RateLimiter::new(settings());
    assert_eq!(untrusted.client_ip(&req), Some("10.0.0.1".parse().unwrap()));
}

#[tokio::test]
async fn mail_per_account_runs_out_per_kind() {
    let l = RateLimiter::new(settings());
    let user = UserId::parse("0b8c9a3e-1d2f-4a5b-8c7d-6e5f4a3b2c1d").unwrap();
    for _ in 0..3 {
        assert!(l.try_take(&user, "reset").await);
    }
    assert!(!l.try_take(&user, "reset").await);
    assert!(l.try_take(&user, "verify").await);
}

#[tokio::test]
async fn disabled_limiter_lets_everything_through() {
    let l = RateLimiter::new(RateLimitSettings {
        enabled: false,
        ..settings()
    });
    let req = from("127.0.0.1:1");
    for _ in 0..10 {
        l.sign_in_failed(&req).await;
        assert!(l.check_sign_in(&req).await.is_ok());
        assert!(l.take_registration(&req).await.is_ok());
    }
}

#[tokio::test]
async fn passwordless_passkey_ceremonies_are_counted_per_address() {
    let l = RateLimiter::new(RateLimitSettings {
        passkey_ceremonies: Budget::new(2, 3600),
        ..settings()
    });
    let (a, b) = (from("192.0.2.1:1"), from("192.0.2.2:1"));
    assert!(l.take_passkey_ceremony(&a).await.is_ok());
    assert!(l.take_passkey_ceremony(&a).await.is_ok());
    assert_eq!(l.take_passkey_ceremony(&a).await, Err(1));
    assert!(
        l.take_passkey_ceremony(&b).await.is_ok(),
        "another address has its own"
    );
}
