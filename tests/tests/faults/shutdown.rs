//! R-03 (graceful shutdown): SIGTERM under a load of sign-ins (argon2 at its production
//! cost, so requests are in flight) and token requests. Every request the server had
//! accepted before the signal gets its answer (no reset connection), readiness turns 503,
//! the process exits 0 within `shutdown_timeout_secs`, and every sign-in it acknowledged is
//! usable on the next process (no half-written grant).

use crate::cluster::{Cluster, Creds};
use crate::fault_test;
use crate::load::{report, summary, Recorder};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_tests::TestDatabase;

const PASSWORD: &str = "a long and unusual passphrase";
const SHUTDOWN_TIMEOUT_SECS: u64 = 5;
const SIGNERS: usize = 6;
const ISSUERS: usize = 2;
/// A request started this long before the signal was surely accepted by then.
const ACCEPTED_MARGIN: Duration = Duration::from_millis(200);

/// `/readyz` answers over time: (when, status or `None` for a transport error).
type Probes = Arc<Mutex<Vec<(Duration, Option<u16>)>>>;

/// One connection per request, so a refused connection is told apart from a dropped one.
fn fresh_connections() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn signer(rec: Recorder, base: String, email: String, acks: Arc<Mutex<Vec<Value>>>) {
    let http = fresh_connections();
    loop {
        let req = http
            .post(format!("{base}/users/login"))
            .json(&json!({"email": email, "password": PASSWORD}));
        let Ok(res) = rec.send("login", req).await else {
            return;
        };
        if res.status() == StatusCode::OK {
            let body: Value = res.json().await.unwrap();
            acks.lock().unwrap().push(body);
        }
    }
}

async fn issuer(rec: Recorder, base: String, svc: Creds) {
    let http = fresh_connections();
    loop {
        let req = http
            .post(format!("{base}/token"))
            .basic_auth(&svc.id, Some(&svc.secret))
            .form(&[("grant_type", "client_credentials")]);
        if rec.send("token", req).await.is_err() {
            return;
        }
    }
}

/// Polls `/readyz` over one kept-alive connection; (time, status or error).
async fn prober(rec: Recorder, base: String, out: Probes) {
    let http = reqwest::Client::new();
    loop {
        let res = http.get(format!("{base}/readyz")).send().await;
        let status = res.as_ref().ok().map(|r| r.status().as_u16());
        out.lock().unwrap().push((rec.now(), status));
        if status.is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn sigterm_drains_and_exits_0(db: TestDatabase) {
    let timeout = SHUTDOWN_TIMEOUT_SECS.to_string();
    let mut c = Cluster::start(
        db,
        1,
        &[
            ("TESSERA_SHUTDOWN_TIMEOUT_SECS", &timeout),
            ("TESSERA_ARGON2_MEMORY_KIB", "19456"),
            ("TESSERA_ARGON2_ITERATIONS", "2"),
        ],
    )
    .await;
    let svc = c.service_client(0).await;
    let base = c.node(0).base();
    let rec = Recorder::new();
    let acks: Arc<Mutex<Vec<Value>>> = Arc::default();
    let ready: Probes = Arc::default();
    let mut workers = Vec::new();
    for k in 0..SIGNERS {
        let email = format!("drain{k}@example.com");
        c.create_user(&email, PASSWORD);
        workers.push(tokio::spawn(signer(
            rec.clone(),
            base.clone(),
            email,
            acks.clone(),
        )));
    }
    for _ in 0..ISSUERS {
        workers.push(tokio::spawn(issuer(rec.clone(), base.clone(), svc.clone())));
    }
    workers.push(tokio::spawn(prober(
        rec.clone(),
        base.clone(),
        ready.clone(),
    )));
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let signalled = rec.now();
    c.node(0).signal(libc::SIGTERM);
    let exit = tokio::task::block_in_place(|| {
        c.nodes[0].wait_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECS + 3))
    });
    let exited = rec.now();
    let stopped = tokio::time::timeout(Duration::from_secs(30), async {
        for w in workers {
            w.await.unwrap();
        }
    });
    stopped
        .await
        .expect("the load stops once the server is gone");
    let samples = rec.samples();
    report(&format!(
        "R-03 shutdown {}: SIGTERM at {signalled:?}, exit {exit:?} after {:?}; {}",
        c.db.url().split(':').next().unwrap(),
        exited.saturating_sub(signalled),
        summary(&samples)
    ));

    let status = exit.expect("exits within shutdown_timeout_secs");
    assert_eq!(status.code(), Some(0), "exit status 0");
    for s in &samples {
        if let Some(code) = s.status {
            assert!(code < 500, "no 5xx while draining: {s:?}");
        }
    }
    let cut: Vec<_> = samples
        .iter()
        .filter(|s| s.error.is_some() && s.start + ACCEPTED_MARGIN < signalled)
        .collect();
    assert!(
        cut.is_empty(),
        "requests accepted before SIGTERM were cut: {cut:?}"
    );
    let in_flight = samples
        .iter()
        .filter(|s| s.start < signalled && s.end > signalled && s.status.is_some())
        .count();
    report(&format!(
        "R-03 shutdown: {in_flight} requests in flight at SIGTERM finished"
    ));
    let ready = ready.lock().unwrap().clone();
    let late_ok: Vec<_> = ready
        .iter()
        .filter(|(t, s)| *s == Some(200) && *t > signalled + Duration::from_secs(1))
        .collect();
    assert!(late_ok.is_empty(), "ready after SIGTERM: {late_ok:?}");
    let draining = ready.iter().filter(|(_, s)| *s == Some(503)).count();
    report(&format!(
        "R-03 shutdown: /readyz answered 503 {draining} times while draining"
    ));

    // Whatever was acknowledged is whole on the next process.
    c.spawn_node(0);
    c.wait_all();
    let acks = acks.lock().unwrap().clone();
    assert!(!acks.is_empty());
    for t in &acks {
        assert_eq!(
            c.me(0, t["access_token"].as_str().unwrap()).await,
            StatusCode::OK
        );
    }
    let last = acks.last().unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(c.refresh(0, &last).await.0, StatusCode::OK);
}
fault_test!(r_03_sigterm_under_load, sigterm_drains_and_exits_0);
