//! Client changes across processes: a secret rotated on A is refused on B, a redirect URI
//! removed on A is refused on B (AS-03: an error page, no redirect).

use crate::cluster::{eventually, Cluster, Creds};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use tessera_tests::{both_backends, TestDatabase};

const KEPT: &str = "http://127.0.0.1/kept";
const REMOVED: &str = "http://127.0.0.1/removed";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The status of `/authorize` on process `i` for `redirect_uri`, and whether it redirected.
async fn authorize(c: &Cluster, i: usize, client: &Creds, redirect_uri: &str) -> (u16, bool) {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", "openid"),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let res = c
        .http
        .get(c.node(i).url(&format!("/authorize?{query}")))
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.headers().contains_key("location"),
    )
}

/// Test 5: Secret rotated and a redirect URI removed on A: B refuses the old secret and the
/// removed URI, and accepts the new secret and the kept URI.
async fn client_changed_on_a_holds_on_b(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let old = c
        .create_client(
            0,
            json!({
                "name": "web",
                "grant_types": ["authorization_code", "client_credentials"],
                "redirect_uris": [KEPT, REMOVED],
                "scope": "openid read",
            }),
        )
        .await;
    // B reads (and, on SQLite, caches) the client before the change.
    assert_eq!(c.try_token(1, &old).await.0, StatusCode::OK);
    assert_eq!(authorize(&c, 1, &old, REMOVED).await, (200, false));

    let (s, body) = c
        .admin(
            0,
            Method::POST,
            &format!("/admin/clients/{}/secret", old.id),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let new = Creds {
        id: old.id.clone(),
        secret: body["client_secret"].as_str().unwrap().to_owned(),
    };
    eventually(
        &c,
        "old secret refused on B",
        Duration::from_secs(2),
        || async { c.try_token(1, &old).await.0 == StatusCode::UNAUTHORIZED },
    )
    .await;
    assert_eq!(
        c.try_token(1, &new).await.0,
        StatusCode::OK,
        "new secret on B"
    );
    assert_eq!(c.try_token(0, &old).await.0, StatusCode::UNAUTHORIZED);

    let (s, body) = c
        .admin(
            0,
            Method::PATCH,
            &format!("/admin/clients/{}", old.id),
            Some(json!({"redirect_uris": [KEPT]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    eventually(
        &c,
        "removed redirect URI refused on B",
        Duration::from_secs(2),
        || async {
            let (status, redirected) = authorize(&c, 1, &new, REMOVED).await;
            status == 400 && !redirected
        },
    )
    .await;
    assert_eq!(
        authorize(&c, 1, &new, KEPT).await,
        (200, false),
        "login page"
    );
}
both_backends!(
    client_change_across_processes,
    client_changed_on_a_holds_on_b
);
