//! Accounts across processes: signing a user out everywhere, disabling a user and counting
//! failed sign-ins toward the lockout all act on the database, so every process agrees.

use crate::cluster::{eventually, Cluster};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use tessera_tests::{both_backends, TestDatabase};

const PASSWORD: &str = "a long and unusual passphrase";

/// Signs `email` in on process `i`: (access token, refresh token).
async fn sign_in(c: &Cluster, i: usize, email: &str) -> (String, String) {
    let (s, t) = c.login(i, email, PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    (
        t["access_token"].as_str().unwrap().to_owned(),
        t["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// Test 3: "Sign out everywhere" (the admin API's `DELETE /admin/users/{id}/sessions`) on A: on
/// B the refresh token is refused and the access token no longer accepted.
async fn sign_out_everywhere_on_a_holds_on_b(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let email = "everywhere@example.com";
    let user = c.create_user(email, PASSWORD);
    let (at, rt) = sign_in(&c, 1, email).await;
    assert_eq!(c.me(1, &at).await, StatusCode::OK);

    let (s, body) = c
        .admin(
            0,
            Method::DELETE,
            &format!("/admin/users/{user}/sessions"),
            None,
        )
        .await;
    assert!(s.is_success(), "{s} {body}");
    let (s, body) = c.refresh(1, &rt).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "B refuses the refresh token at once: {body}"
    );
    eventually(
        &c,
        "sign-out everywhere on A ends the access token on B",
        Duration::from_secs(2),
        || async { c.me(1, &at).await == StatusCode::UNAUTHORIZED },
    )
    .await;
    // A new sign-in still works, on either process.
    let (at2, _) = sign_in(&c, 1, email).await;
    assert_eq!(c.me(0, &at2).await, StatusCode::OK);
}
both_backends!(
    sign_out_everywhere_across_processes,
    sign_out_everywhere_on_a_holds_on_b
);

/// Test 4: A user disabled on A (admin API) can neither sign in nor refresh on B.
async fn disabled_on_a_refused_on_b(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let email = "disabled@example.com";
    let user = c.create_user(email, PASSWORD);
    let (_, rt) = sign_in(&c, 1, email).await;

    let (s, body) = c
        .admin(
            0,
            Method::POST,
            &format!("/admin/users/{user}/disable"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, body) = c.login(1, email, PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "no sign-in on B: {body}");
    let (s, body) = c.refresh(1, &rt).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "no refresh on B: {body}"
    );
    // Enabled again on B, A lets the user in.
    let (s, _) = c
        .admin(
            1,
            Method::POST,
            &format!("/admin/users/{user}/enable"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(c.login(0, email, PASSWORD).await.0, StatusCode::OK);
}
both_backends!(disabled_user_across_processes, disabled_on_a_refused_on_b);

/// Whether the admin API shows the account locked.
async fn locked(c: &Cluster, user: &str) -> bool {
    let (s, one) = c
        .admin(0, Method::GET, &format!("/admin/users/{user}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{one}");
    one["locked_until"].is_i64()
}

/// Test 9: Failed sign-ins alternating between A and B add up to one count: the threshold (3
/// here) is reached on the third failure wherever it lands, and then the right password is
/// refused on both (whereas per-process counts would stand at 2 and 1).
async fn lockout_counted_across_processes(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[("TESSERA_LOCKOUT_THRESHOLD", "3")]).await;
    let email = "guessed@example.com";
    let user = c.create_user(email, PASSWORD);
    for (attempt, node) in [0, 1].into_iter().enumerate() {
        let (s, _) = c.login(node, email, "not the password at all").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "failure {attempt}");
    }
    assert!(!locked(&c, &user).await, "two failures: not locked yet");
    let (s, _) = c.login(0, email, "still not the password").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        locked(&c, &user).await,
        "third failure, over two processes, locks"
    );
    for node in [0, 1] {
        let (s, _) = c.login(node, email, PASSWORD).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "locked on {}",
            c.node(node).name
        );
    }
}
both_backends!(lockout_across_processes, lockout_counted_across_processes);
