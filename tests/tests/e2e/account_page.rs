//! The person's own account page (`/account`) and the JSON account API's sessions and apps,
//! over real HTTP on both backends: sign in on the page, change the name, turn on two-step
//! sign-in (the code computed from the shown key), sign in again with a code, end another
//! session and all others, see and revoke a connected app; `/users/me/sessions` and
//! `/users/me/apps` with a bearer token.

use crate::support::browser::{Browser, Form, Page};
use crate::support::{Creds, TestApp};
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_domain::{totp_step, TotpSecret, UnixTime};
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";

async fn setup(db: TestDatabase) -> (TestApp, Creds) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let client = app
        .register(NewClient {
            name: "Notes <App>".into(),
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid profile email offline_access".into(),
            ..NewClient::default()
        })
        .await;
    (app, client)
}

/// Signs in on /authorize and allows: the person now has a session there and a consent.
async fn consent_through_authorize(app: &TestApp, browser: &mut Browser, client: &Creds) {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let page = browser
        .get(&format!("{}?{query}", app.url("/authorize")))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let page = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 200, "consent page: {}", page.body);
    let mut form = page.form();
    form.set("decision", "allow");
    let page = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location().unwrap().starts_with(REDIRECT));
}

/// The CSRF token of a page's forms.
fn csrf(page: &Page) -> String {
    page.form()
        .get("csrf_token")
        .expect("a CSRF token")
        .to_owned()
}

/// POSTs one of the page's forms.
async fn post(
    app: &TestApp,
    browser: &mut Browser,
    csrf: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Page {
    let mut form = Form::default();
    form.set("csrf_token", csrf).set("action", action);
    for (k, v) in extra {
        form.set(k, v);
    }
    browser.post(&app.url("/account"), &form).await
}

/// Signs in on /account with the password; returns the page answering it.
async fn sign_in(app: &TestApp, browser: &mut Browser) -> Page {
    let page = browser.get(&app.url("/account")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("action=\"/account\""), "{}", page.body);
    assert!(page.body.contains("name=\"password\""), "the sign-in form");
    let token = csrf(&page);
    post(
        app,
        browser,
        &token,
        "login",
        &[("email", EMAIL), ("password", PASSWORD)],
    )
    .await
}

/// The page, signed in.
async fn account(app: &TestApp, browser: &mut Browser) -> Page {
    let page = browser.get(&app.url("/account")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Your account"), "{}", page.body);
    page
}

/// The values of inputs named `name` inside the forms whose action is `action`.
fn form_values(body: &str, action: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"action\" value=\"{action}\"");
    let needle = format!("name=\"{name}\" value=\"");
    body.split("<form ")
        .filter(|f| f.contains(&marker))
        .filter_map(|f| {
            let start = f.find(&needle)? + needle.len();
            let end = f[start..].find('"')?;
            Some(f[start..start + end].to_owned())
        })
        .collect()
}

/// RFC 4648 Base32 without padding.
fn base32_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u64, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("Base32") as u64;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn now() -> UnixTime {
    UnixTime::from_secs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    )
}

async fn bearer(app: &TestApp) -> String {
    let res = app
        .http
        .post(app.url("/users/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn api(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> (u16, Value) {
    let res = app
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn account_page_end_to_end(db: TestDatabase) {
    let (app, client) = setup(db).await;
    // A token of the JSON account API, taken before two-step sign-in is on.
    let token = bearer(&app).await;
    let (status, _) = api(&app, reqwest::Method::GET, "/users/me/sessions", "nope").await;
    assert_eq!(status, 401, "the JSON endpoints need a token");

    // Elsewhere (browser A), the person lets an app in through /authorize.
    let mut elsewhere = Browser::new();
    consent_through_authorize(&app, &mut elsewhere, &client).await;

    // Browser B signs in on the page itself.
    let mut browser = Browser::new();
    let page = sign_in(&app, &mut browser).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location().as_deref(), Some("/account"));
    let page = account(&app, &mut browser).await;
    assert!(page.body.contains(EMAIL));
    assert!(
        !page.body.contains("id=\"add-passkey\""),
        "no passkeys on an IP issuer"
    );
    let token_b = csrf(&page);

    // A post without the CSRF token changes nothing.
    let refused = post(&app, &mut browser, "forged", "name", &[("name", "Mallory")]).await;
    assert_eq!(refused.status, 403);

    // The name.
    let page = post(
        &app,
        &mut browser,
        &token_b,
        "name",
        &[("name", "Ada King")],
    )
    .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location().as_deref(), Some("/account?done=name_saved"));
    let page = browser.get(&app.url("/account?done=name_saved")).await;
    assert!(page.body.contains("value=\"Ada King\""));
    assert!(page.body.contains("Your name was saved."));

    // The sessions: this browser's and the other one.
    let (status, sessions) = api(&app, reqwest::Method::GET, "/users/me/sessions", &token).await;
    assert_eq!(status, 200);
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    for s in &sessions {
        assert!(s["id"].is_string() && s["signed_in_at"].is_i64() && s["expires_at"].is_i64());
        assert_eq!(s["amr"], json!(["pwd"]));
        assert_eq!(s["current"], json!(false));
    }
    let page = account(&app, &mut browser).await;
    assert!(page.body.contains("This browser"));
    let others = form_values(&page.body, "end_session", "session_id");
    assert_eq!(others.len(), 1, "one other session to sign out");
    let page = post(
        &app,
        &mut browser,
        &token_b,
        "end_session",
        &[("session_id", &others[0])],
    )
    .await;
    assert_eq!(
        page.location().as_deref(),
        Some("/account?done=session_ended")
    );
    let gone = elsewhere.get(&app.url("/account")).await;
    assert!(
        gone.body.contains("name=\"password\""),
        "browser A is signed out"
    );
    let (status, _) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/users/me/sessions/{}", others[0]),
        &token,
    )
    .await;
    assert_eq!(status, 404, "already ended");

    // The connected app: listed on the page and over JSON, then revoked.
    let page = account(&app, &mut browser).await;
    assert!(page.body.contains("Notes &lt;App&gt;"));
    assert!(page.body.contains("See your email address"));
    let (status, apps) = api(&app, reqwest::Method::GET, "/users/me/apps", &token).await;
    assert_eq!(status, 200);
    assert_eq!(apps[0]["client_id"], json!(client.id));
    assert_eq!(apps[0]["name"], json!("Notes <App>"));
    assert_eq!(apps[0]["scope"], json!("email openid"));
    assert!(apps[0]["granted_at"].is_i64());
    let page = post(
        &app,
        &mut browser,
        &token_b,
        "revoke_app",
        &[("client_id", &client.id)],
    )
    .await;
    assert_eq!(
        page.location().as_deref(),
        Some("/account?done=app_revoked")
    );
    let (_, apps) = api(&app, reqwest::Method::GET, "/users/me/apps", &token).await;
    assert_eq!(apps, json!([]));
    let (status, _) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/users/me/apps/{}", client.id),
        &token,
    )
    .await;
    assert_eq!(status, 404);

    // Two-step sign-in: the key shown, the first code, ten recovery codes.
    let page = post(&app, &mut browser, &token_b, "totp_begin", &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "the QR code inline");
    assert!(!page.body.contains("<?xml"));
    let start = page.body.find("<code id=\"totp-secret\">").unwrap() + 23;
    let end = start + page.body[start..].find("</code>").unwrap();
    let key: [u8; 20] = base32_decode(&page.body[start..end]).try_into().unwrap();
    let secret = TotpSecret::from_bytes(key);
    let step = totp_step(now());
    let page = post(
        &app,
        &mut browser,
        &token_b,
        "totp_confirm",
        &[("code", &secret.code_at_step(step))],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body.matches("<li><code>").count(), 10, "{}", page.body);
    let page = account(&app, &mut browser).await;
    assert!(page
        .body
        .contains("Recovery codes left: <strong>10</strong>"));

    // Signing in again (browser C) now needs the code.
    let mut again = Browser::new();
    let page = sign_in(&app, &mut again).await;
    assert_eq!(page.status, 200, "the second step");
    assert!(page.body.contains("name=\"otp\""));
    let mut form = page.form();
    form.set("otp", &secret.code_at_step(step + 1));
    let page = again.post(&app.url("/account"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = account(&app, &mut again).await;
    let token_c = csrf(&page);
    let (_, sessions) = api(&app, reqwest::Method::GET, "/users/me/sessions", &token).await;
    assert!(
        sessions
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["amr"] == json!(["pwd", "otp", "mfa"])),
        "{sessions}"
    );

    // From C, every other session ends: B is signed out, C stays.
    let page = post(&app, &mut again, &token_c, "end_other_sessions", &[]).await;
    assert_eq!(
        page.location().as_deref(),
        Some("/account?done=others_ended")
    );
    let b = browser.get(&app.url("/account")).await;
    assert!(
        b.body.contains("name=\"password\""),
        "browser B is signed out"
    );
    let (_, sessions) = api(&app, reqwest::Method::GET, "/users/me/sessions", &token).await;
    assert_eq!(sessions.as_array().unwrap().len(), 1);

    // A wrong current password is refused with a fixed text.
    let page = post(
        &app,
        &mut again,
        &token_c,
        "password",
        &[
            ("current_password", "wrong"),
            ("new_password", "another long passphrase"),
        ],
    )
    .await;
    assert_eq!(
        page.location().as_deref(),
        Some("/account?error=wrong_password")
    );
    app.stop().await;
}

both_backends!(account_page_flow, account_page_end_to_end);
