//! Tokens across processes: issued on one, seen on another; revoked on one, dead on another;
//! a refresh token replayed on another process than the one that rotated it kills the family.

use crate::cluster::{eventually, Cluster};
use reqwest::StatusCode;
use std::time::Duration;
use tessera_tests::{both_backends, TestDatabase};

/// Test 1: A token issued by A introspects active on B.
async fn issued_on_a_active_on_b(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let svc = c.service_client(0).await;
    let at = c.token(0, &svc).await;
    assert!(c.active(1, &svc, &at).await, "B sees A's token at once");
    let at_b = c.token(1, &svc).await;
    assert!(c.active(0, &svc, &at_b).await, "and A sees B's");
}
both_backends!(token_from_a_is_active_on_b, issued_on_a_active_on_b);

/// Test 2: A revocation acknowledged by A holds on B.
async fn revoked_on_a_inactive_on_b(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let svc = c.service_client(0).await;
    let at = c.token(0, &svc).await;
    assert!(c.active(1, &svc, &at).await);
    assert_eq!(c.revoke(0, &svc, &at).await, StatusCode::OK);
    eventually(
        &c,
        "revocation on A seen by B",
        Duration::from_secs(2),
        || async { !c.active(1, &svc, &at).await },
    )
    .await;
    assert!(!c.active(0, &svc, &at).await, "and on A itself");
}
both_backends!(revocation_on_a_holds_on_b, revoked_on_a_inactive_on_b);

/// Test 8: Refresh on A, replay the spent refresh token on B: `invalid_grant`, and the whole
/// family is revoked (AS-21), the new refresh token included, on either process.
async fn reuse_detected_across_processes(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let (email, password) = ("reuse@example.com", "a long and unusual passphrase");
    c.create_user(email, password);
    let (s, tokens) = c.login(0, email, password).await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    let rt0 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (s, rotated) = c.refresh(0, &rt0).await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let rt1 = rotated["refresh_token"].as_str().unwrap().to_owned();
    let at1 = rotated["access_token"].as_str().unwrap().to_owned();
    assert_eq!(c.me(1, &at1).await, StatusCode::OK);

    let (s, replay) = c.refresh(1, &rt0).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{replay}");
    assert_eq!(replay["error"], "invalid_grant");
    let (s, body) = c.refresh(0, &rt1).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "the family is revoked: {body}"
    );
    let (s, body) = c.refresh(1, &rt1).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "on B too: {body}");
}
both_backends!(
    refresh_reuse_across_processes,
    reuse_detected_across_processes
);
