//! A login storm does not stall the other endpoints: password hashing runs on the blocking
//! pool behind a semaphore, so discovery keeps answering while 52 logins with the real
//! argon2id parameters run at once. The bound is loose on purpose (shared, noisy machines);
//! `make bench` records the real figures.

use crate::support;

use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tessera_tests::{both_backends, TestDatabase};

const PASSWORD: &str = "correct horse battery staple";
const ACCOUNTS: usize = 13;

/// The two backends' storms take turns: two at once on two cores would measure each other.
static ONE_STORM_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn login_storm_leaves_discovery_responsive(db: TestDatabase) {
    let _turn = ONE_STORM_AT_A_TIME.lock().await;
    let mut config = support::test_config(db.url());
    // The production cost: m=19 MiB, t=2, p=1.
    config.accounts.password_hashing.memory_kib = 19_456;
    config.accounts.password_hashing.iterations = 2;
    config.rate_limit.enabled = false;
    let app = TestApp::spawn_with(db, config).await;
    // Every attempt counts towards its account's lockout while it runs (only a success resets
    // it), so more than threshold-1 concurrent logins on one account lock it by design: the
    // storm spreads 52 logins over 13 accounts, 4 at a time each.
    for i in 0..ACCOUNTS {
        let r = app
            .http
            .post(app.url("/users/register"))
            .json(&json!({"email": format!("storm{i}@example.com"), "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }

    let started = Instant::now();
    let logins: Vec<_> = (0..ACCOUNTS * 4)
        .map(|n| {
            let http = app.http.clone();
            let url = app.url("/users/login");
            let email = format!("storm{}@example.com", n % ACCOUNTS);
            tokio::spawn(async move {
                http.post(url)
                    .json(&json!({"email": email, "password": PASSWORD}))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    // Let the storm build up, then time discovery while it runs.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut worst = Duration::ZERO;
    let mut samples = 0;
    while samples < 20 {
        let t = Instant::now();
        let r = app
            .http
            .get(app.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        worst = worst.max(t.elapsed());
        samples += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut ok = 0;
    for l in logins {
        let status = l.await.unwrap().unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        ok += usize::from(status == StatusCode::OK);
    }
    eprintln!(
        "login storm: {ok}/{} logins in {:?}; slowest discovery of {samples} during it: {worst:?}",
        ACCOUNTS * 4,
        started.elapsed()
    );
    assert!(ok > 0);
    assert!(worst < Duration::from_secs(1), "discovery took {worst:?}");
    app.stop().await;
}
both_backends!(login_storm, login_storm_leaves_discovery_responsive);
