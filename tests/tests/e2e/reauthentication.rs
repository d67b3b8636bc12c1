//! Re-authentication is real: a request with `prompt=login` or `max_age` gets a code only after
//! the person signed in on that authorization's login page, never by posting the consent form
//! on an older session. Over real HTTP, both backends.

use crate::support::browser::{Browser, Form, Page};
use crate::support::{Creds, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

async fn setup(db: TestDatabase) -> (TestApp, Creds) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let client = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid profile email".into(),
            ..NewClient::default()
        })
        .await;
    (app, client)
}

fn authorize_url(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string(&params).unwrap()
    )
}

fn is_login_page(page: &Page) -> bool {
    page.status == 200 && page.body.contains("name=\"password\"")
}

/// Signs in on the login page `page`, allowing on the consent page if one comes.
async fn sign_in_on(app: &TestApp, browser: &mut Browser, page: &Page) -> Page {
    assert!(is_login_page(page), "{}", page.body);
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let page = browser.post(&app.url("/authorize"), &form).await;
    if page.status == 303 {
        return page;
    }
    assert!(
        page.body.contains("decision"),
        "consent page: {}",
        page.body
    );
    let mut form = page.form();
    form.set("decision", "allow");
    browser.post(&app.url("/authorize"), &form).await
}

/// The attack: the login page's hidden request fields and CSRF token, posted as an "allow".
fn forged_consent(login_page: &Page) -> Form {
    let mut form = login_page.form();
    form.fields
        .retain(|(k, _)| k != "email" && k != "password" && k != "action");
    form.set("action", "consent").set("decision", "allow");
    assert!(form.get("csrf_token").is_some());
    form
}

/// The ID token's `auth_time` for `code`.
async fn auth_time_of(app: &TestApp, client: &Creds, code: &str) -> i64 {
    let res = app
        .post_form(
            "/token",
            Some(client),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let payload = tokens["id_token"].as_str().unwrap().split('.').nth(1);
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload.unwrap()).unwrap()).unwrap();
    claims["auth_time"].as_i64().expect("auth_time")
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn as_37_prompt_login_and_max_age_cannot_be_skipped_by_posting_consent(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    // An ordinary sign-in: a session and a remembered consent.
    let first = browser.get(&authorize_url(&app, &client.id, &[])).await;
    let done = sign_in_on(&app, &mut browser, &first).await;
    let first_code = done.redirect_params()["code"].clone();
    let old_auth_time = auth_time_of(&app, &client, &first_code).await;
    // So that a new sign-in has a later auth_time than the old one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    for demand in [
        &[("prompt", "login")][..],
        &[("prompt", "select_account")],
        &[("max_age", "0")],
        &[("prompt", "login consent"), ("max_age", "0")],
    ] {
        let url = authorize_url(&app, &client.id, demand);
        let login = browser.get(&url).await;
        assert!(is_login_page(&login), "{demand:?}: {}", login.body);

        // Posting "allow" on the old session gets the login page again: no code, no redirect.
        let forged = browser
            .post(&app.url("/authorize"), &forged_consent(&login))
            .await;
        assert!(
            is_login_page(&forged),
            "{demand:?}: a consent on the old session must not answer the demand: {} {:?}",
            forged.status,
            forged.location()
        );
        // A made-up proof does not help either.
        let mut fake = forged_consent(&login);
        fake.set("auth_tx", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        let faked = browser.post(&app.url("/authorize"), &fake).await;
        assert!(is_login_page(&faked), "{demand:?}: {}", faked.status);

        // Signing in for real still works, and the code carries the new auth_time.
        let before = now_secs();
        let done = sign_in_on(&app, &mut browser, &forged).await;
        assert_eq!(done.status, 303, "{demand:?}: {}", done.body);
        let params = done.redirect_params();
        assert_eq!(params["state"], "st-1");
        let auth_time = auth_time_of(&app, &client, &params["code"]).await;
        assert!(
            auth_time >= before && auth_time > old_auth_time,
            "{demand:?}: auth_time {auth_time} is the new sign-in's (>= {before})"
        );
    }
    app.stop().await;
}
both_backends!(
    reauthentication,
    as_37_prompt_login_and_max_age_cannot_be_skipped_by_posting_consent
);

async fn as_37_proof_of_sign_in_does_not_carry_over_to_another_request(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    // Sign in for a prompt=login consent request and keep its consent form with the proof.
    let url = authorize_url(&app, &client.id, &[("prompt", "login consent")]);
    let login = browser.get(&url).await;
    let mut form = login.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let consent = browser.post(&app.url("/authorize"), &form).await;
    let proven = consent.form();
    assert!(proven.get("auth_tx").is_some(), "{}", consent.body);

    // The same proof on another request (another state) is no proof: the login page comes.
    let mut other = proven.clone();
    other.set("state", "st-2").set("decision", "allow");
    let page = browser.post(&app.url("/authorize"), &other).await;
    assert!(
        is_login_page(&page),
        "{} {:?}",
        page.status,
        page.location()
    );

    // On its own request it is: the code comes.
    let mut allow = proven.clone();
    allow.set("decision", "allow");
    let page = browser.post(&app.url("/authorize"), &allow).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.redirect_params().contains_key("code"));

    // A request without a re-authentication demand needs no proof, as before.
    let plain = browser
        .get(&authorize_url(&app, &client.id, &[("prompt", "consent")]))
        .await;
    assert!(plain.body.contains("decision"), "{}", plain.body);
    assert!(plain.form().get("auth_tx").is_none());
    let mut allow = plain.form();
    allow.set("decision", "allow");
    let page = browser.post(&app.url("/authorize"), &allow).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.redirect_params().contains_key("code"));
    app.stop().await;
}
both_backends!(
    proof_bound_to_request,
    as_37_proof_of_sign_in_does_not_carry_over_to_another_request
);
