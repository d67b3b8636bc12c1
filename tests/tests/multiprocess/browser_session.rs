//! Test 7: A browser session started on A continues on B: the person signs in through A's login
//! page, and B's `/authorize`, given the same cookies, issues a code without asking again;
//! that code is redeemed at A.

use crate::browser::Browser;
use crate::cluster::{Cluster, Creds};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_tests::{both_backends, TestDatabase};

const REDIRECT: &str = "http://127.0.0.1/callback";
const PASSWORD: &str = "a long and unusual passphrase";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn authorize_url(c: &Cluster, i: usize, client: &Creds, state: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", state),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    c.node(i).url(&format!("/authorize?{query}"))
}

async fn session_moves_between_processes(db: TestDatabase) {
    let c = Cluster::start(db, 2, &[]).await;
    let email = "browser@example.com";
    c.create_user(email, PASSWORD);
    let web = c
        .create_client(
            0,
            json!({
                "name": "web",
                "grant_types": ["authorization_code"],
                "redirect_uris": [REDIRECT],
                "scope": "openid",
                "skip_consent": true,
            }),
        )
        .await;

    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&c, 0, &web, "on-a")).await;
    assert_eq!(page.status, 200, "A's login page: {}", page.body);
    let mut form = page.form();
    form.set("email", email).set("password", PASSWORD);
    let signed_in = browser.post(&c.node(0).url("/authorize"), &form).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.redirect_params()["state"], "on-a");

    let page = browser.get(&authorize_url(&c, 1, &web, "on-b")).await;
    assert_eq!(
        page.status, 303,
        "B continues A's session instead of asking to sign in: {}",
        page.body
    );
    let location = page.location().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = page.redirect_params();
    assert_eq!(params["state"], "on-b");
    let code = params.get("code").expect("a code from B");

    let res = c
        .post_form(
            0,
            "/token",
            Some(&web),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.unwrap();
    assert!(tokens["id_token"].is_string(), "{tokens}");
}
both_backends!(
    browser_session_across_processes,
    session_moves_between_processes
);
