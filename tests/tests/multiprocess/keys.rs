//! Key rotation across processes: a rotation made on A, or by `tessera keys rotate`
//! beside the servers, is published in B's JWKS within `key_refresh_secs` (1 s here), and B
//! signs with the new active key after that.

use crate::cluster::{eventually, jwt_part, Cluster, Creds};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tessera_tests::{both_backends, TestDatabase};

/// `key_refresh_secs` of the test processes, plus the time one refresh takes on a busy
/// machine.
const REFRESH_BOUND: Duration = Duration::from_millis(2500);

/// The kids in process `i`'s JWKS.
async fn jwks_kids(c: &Cluster, i: usize) -> Vec<String> {
    let jwks: Value = c
        .http
        .get(c.node(i).url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The kid of the key in `state` (as `GET /admin/keys` on A says).
async fn kid_in_state(c: &Cluster, state: &str) -> String {
    let (s, keys) = c.admin(0, Method::GET, "/admin/keys", None).await;
    assert_eq!(s, StatusCode::OK, "{keys}");
    keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["state"] == state)
        .unwrap_or_else(|| panic!("a {state} key: {keys}"))["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until every process publishes `next` and signs with `active`.
async fn all_follow(c: &Cluster, svc: &Creds, what: &str, active: &str, next: &str) {
    for i in 0..c.nodes.len() {
        let name = &c.node(i).name;
        eventually(
            c,
            &format!("{what}: next key {next} in {name}'s JWKS"),
            REFRESH_BOUND,
            || async { jwks_kids(c, i).await.iter().any(|k| k == next) },
        )
        .await;
        eventually(
            c,
            &format!("{what}: {name} signs with {active}"),
            REFRESH_BOUND,
            || async { jwt_part(&c.token(i, svc).await, 0)["kid"] == active },
        )
        .await;
    }
}

/// Test 6: A forced rotation through A's admin API, then one by the CLI.
async fn rotation_reaches_every_process(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let svc = c.service_client(0).await;
    let first_active = kid_in_state(&c, "active").await;
    let first_next = kid_in_state(&c, "next").await;
    assert_eq!(
        jwt_part(&c.token(1, &svc).await, 0)["kid"],
        first_active.as_str()
    );

    let (s, body) = c
        .admin(
            0,
            Method::POST,
            "/admin/keys/rotate",
            Some(json!({"force": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let active = body["kid"].as_str().unwrap().to_owned();
    assert_eq!(active, first_next, "the published next key becomes active");
    let next = kid_in_state(&c, "next").await;
    all_follow(&c, &svc, "rotation on A's admin API", &active, &next).await;
    let old_token = c.token(0, &svc).await;

    let out = c.cli(&["keys", "rotate", "--force"], None);
    let active2 = kid_in_state(&c, "active").await;
    assert_eq!(active2, next, "{out}");
    let next2 = kid_in_state(&c, "next").await;
    all_follow(&c, &svc, "rotation by the CLI", &active2, &next2).await;
    // A token signed before still verifies everywhere: its key stays published.
    assert!(c.active(1, &svc, &old_token).await);
    assert!(jwks_kids(&c, 1).await.contains(&active));
}
both_backends!(
    key_rotation_across_processes,
    rotation_reaches_every_process
);
