//! R-01, no acknowledged write is lost: `kill -9` of a serving process in the middle of a
//! load of `client_credentials` tokens, refresh-token rotations and revocations; after a
//! restart on the same database every token that got a 200 introspects active, every
//! revocation that got a 200 holds, and every refresh token whose rotation was acknowledged
//! (or never reached the server) still refreshes.

use crate::cluster::{http_client, Cluster, Creds};
use crate::fault_test;
use crate::load::{report, summary, Recorder};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_tests::TestDatabase;

const PASSWORD: &str = "a long and unusual passphrase";
const ISSUERS: usize = 3;
const REVOKERS: usize = 2;
const REFRESHERS: usize = 3;
/// How long the load runs before the kill.
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(3000);
/// The pause of a refresh chain between rotations, so that most chains are idle at the kill
/// and their latest refresh token is known to be the live one.
const CHAIN_PAUSE: Duration = Duration::from_millis(100);

/// What the server acknowledged.
#[derive(Default)]
struct Acknowledged {
    /// client_credentials tokens answered 200 (and not revoked by the load).
    tokens: Vec<String>,
    /// Tokens whose revocation was answered 200.
    revoked: Vec<String>,
    /// Account access tokens from refreshes answered 200.
    account_tokens: Vec<String>,
    /// Refresh tokens that are the latest of their chain: their successor's rotation was
    /// never attempted or never reached the server (a refused connection).
    live_refresh_tokens: Vec<String>,
    /// Chains whose last rotation was cut mid-way (committed or not: unknowable).
    ambiguous_chains: usize,
}

fn form_post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    basic: Option<&Creds>,
    form: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let req = http.post(format!("{base}{path}")).form(form);
    match basic {
        Some(c) => req.basic_auth(&c.id, Some(&c.secret)),
        None => req,
    }
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap_or(Value::Null)
}

/// Issues tokens until the server goes away.
async fn issuer(rec: Recorder, base: String, svc: Creds, ack: Arc<Mutex<Acknowledged>>) {
    let http = http_client();
    loop {
        let req = form_post(
            &http,
            &base,
            "/token",
            Some(&svc),
            &[("grant_type", "client_credentials")],
        );
        let Ok(res) = rec.send("token", req).await else {
            return;
        };
        assert_ne!(res.status().as_u16(), 500, "never a 500");
        if res.status() == StatusCode::OK {
            let t = json_of(res).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            ack.lock().unwrap().tokens.push(t);
        }
    }
}

/// Issues a token and revokes it, until the server goes away.
async fn revoker(rec: Recorder, base: String, svc: Creds, ack: Arc<Mutex<Acknowledged>>) {
    let http = http_client();
    loop {
        let req = form_post(
            &http,
            &base,
            "/token",
            Some(&svc),
            &[("grant_type", "client_credentials")],
        );
        let Ok(res) = rec.send("token", req).await else {
            return;
        };
        if res.status() != StatusCode::OK {
            continue;
        }
        let t = json_of(res).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let req = form_post(&http, &base, "/revoke", Some(&svc), &[("token", &t)]);
        let Ok(res) = rec.send("revoke", req).await else {
            // The token was acknowledged; its revocation maybe not.
            return;
        };
        if res.status() == StatusCode::OK {
            ack.lock().unwrap().revoked.push(t);
        } else {
            ack.lock().unwrap().tokens.push(t);
        }
    }
}

/// Rotates one refresh-token chain until the server goes away.
async fn refresher(rec: Recorder, base: String, mut rt: String, ack: Arc<Mutex<Acknowledged>>) {
    let http = http_client();
    loop {
        let req = form_post(
            &http,
            &base,
            "/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "tessera-account"),
                ("refresh_token", &rt),
            ],
        );
        let res = match rec.send("refresh", req).await {
            Ok(res) => res,
            Err(refused) => {
                let mut ack = ack.lock().unwrap();
                if refused {
                    ack.live_refresh_tokens.push(rt);
                } else {
                    ack.ambiguous_chains += 1;
                }
                return;
            }
        };
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            continue; // not acknowledged: the same refresh token again
        }
        assert_eq!(res.status(), StatusCode::OK, "a chain's refresh succeeds");
        let body = json_of(res).await;
        rt = body["refresh_token"].as_str().unwrap().to_owned();
        let at = body["access_token"].as_str().unwrap().to_owned();
        ack.lock().unwrap().account_tokens.push(at);
        tokio::time::sleep(CHAIN_PAUSE).await;
    }
}

/// Checks every acknowledged write on the restarted process.
async fn check_after_restart(c: &Cluster, svc: &Creds, ack: &Acknowledged) {
    for t in &ack.tokens {
        assert!(
            c.active(0, svc, t).await,
            "an acknowledged token is active after the restart"
        );
    }
    for t in &ack.revoked {
        assert!(
            !c.active(0, svc, t).await,
            "an acknowledged revocation holds after the restart"
        );
    }
    for t in &ack.account_tokens {
        assert_eq!(
            c.me(0, t).await,
            StatusCode::OK,
            "an acknowledged account token works"
        );
    }
    for rt in &ack.live_refresh_tokens {
        let (s, body) = c.refresh(0, rt).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "the chain's latest refresh token: {body}"
        );
    }
}

async fn acknowledged_writes_survive_kill_9(db: TestDatabase) {
    let mut c = Cluster::start(db, 1, &[]).await;
    let svc = c.service_client(0).await;
    let mut chains = Vec::new();
    for k in 0..REFRESHERS {
        let email = format!("chain{k}@example.com");
        c.create_user(&email, PASSWORD);
        let (s, t) = c.login(0, &email, PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        chains.push(t["refresh_token"].as_str().unwrap().to_owned());
    }
    let base = c.node(0).base();
    let rec = Recorder::new();
    let ack: Arc<Mutex<Acknowledged>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..ISSUERS {
        workers.push(tokio::spawn(issuer(
            rec.clone(),
            base.clone(),
            svc.clone(),
            ack.clone(),
        )));
    }
    for _ in 0..REVOKERS {
        workers.push(tokio::spawn(revoker(
            rec.clone(),
            base.clone(),
            svc.clone(),
            ack.clone(),
        )));
    }
    for rt in chains {
        workers.push(tokio::spawn(refresher(
            rec.clone(),
            base.clone(),
            rt,
            ack.clone(),
        )));
    }
    tokio::time::sleep(LOAD_BEFORE_KILL).await;
    let killed_at = rec.now();
    let status = c.nodes[0].kill9();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    let stopped = tokio::time::timeout(Duration::from_secs(30), async {
        for w in workers {
            w.await.expect("a worker");
        }
    });
    stopped
        .await
        .expect("every worker stops once the server is gone");
    let samples = rec.samples();
    report(&format!(
        "R-01 {}: killed at {killed_at:?} under {}",
        c.db.url().split(':').next().unwrap(),
        summary(&samples)
    ));
    assert!(samples.iter().all(|s| s.status != Some(500)), "never a 500");

    c.spawn_node(0);
    c.wait_all();
    let ack = std::mem::take(&mut *ack.lock().unwrap());
    report(&format!(
        "R-01: checking {} tokens, {} revocations, {} account tokens, {} live refresh tokens \
         ({} chains cut mid-rotation)",
        ack.tokens.len(),
        ack.revoked.len(),
        ack.account_tokens.len(),
        ack.live_refresh_tokens.len(),
        ack.ambiguous_chains
    ));
    assert!(!ack.tokens.is_empty() && !ack.revoked.is_empty() && !ack.account_tokens.is_empty());
    check_after_restart(&c, &svc, &ack).await;
}
fault_test!(r_01_kill_9_under_load, acknowledged_writes_survive_kill_9);
