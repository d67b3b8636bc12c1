//! Signing out everywhere ends everything, over real HTTP on both backends (issue 11): after a
//! password change or reset, an admin disable, an admin "revoke sessions" or a withdrawn consent, an
//! access token of a grant that never issued a refresh token is inactive at `/introspect` and
//! refused at `/userinfo`, and a code issued before but not yet redeemed is `invalid_grant`.

use crate::support::browser::{Browser, Page};
use crate::support::{test_config, Creds, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "an entirely different passphrase";
const REDIRECT: &str = "http://127.0.0.1/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// What ends the user's grants.
#[derive(Clone, Copy)]
enum Event {
    PasswordChange,
    PasswordReset,
    AdminDisable,
    AdminRevokeSessions,
    ConsentWithdrawal,
}

/// A server with an admin token, the user, a web client WITHOUT the refresh_token grant and a
/// resource server that introspects.
async fn setup(db: TestDatabase) -> (TestApp, Creds, Creds) {
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada")).await;
    let web = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid email".into(),
            ..NewClient::default()
        })
        .await;
    let rs = app.service_client("client_secret_basic").await;
    (app, web, rs)
}

fn authorize_url(app: &TestApp, client_id: &str) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string(params).unwrap()
    )
}

/// Gets a code: logs in and consents the first time, straight through on the session after.
async fn code(app: &TestApp, browser: &mut Browser, client: &Creds) -> String {
    let mut page: Page = browser.get(&authorize_url(app, &client.id)).await;
    for (field, value) in [("password", PASSWORD), ("decision", "allow")] {
        if page.status == 303 {
            break;
        }
        assert_eq!(page.status, 200, "{}", page.body);
        let mut form = page.form();
        if field == "password" {
            form.set("email", EMAIL);
        }
        form.set(field, value);
        page = browser.post(&app.url("/authorize"), &form).await;
    }
    assert_eq!(page.status, 303, "{}", page.body);
    page.redirect_params()["code"].clone()
}

async fn exchange(app: &TestApp, client: &Creds, code: &str) -> (StatusCode, Value) {
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
    (res.status(), res.json().await.expect("json"))
}

async fn userinfo(app: &TestApp, token: &str) -> StatusCode {
    app.http
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .expect("userinfo sent")
        .status()
}

async fn admin(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value) {
    let res = app
        .http
        .request(method, app.url(path))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("admin call sent");
    let status = res.status();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn user_id(app: &TestApp) -> String {
    let (s, body) = admin(app, Method::GET, &format!("/admin/users?email={EMAIL}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["users"][0]["id"].as_str().expect("a user").to_owned()
}

async fn change_password(app: &TestApp) {
    let res = app
        .http
        .post(app.url("/users/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("login sent");
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.expect("json");
    let res = app
        .http
        .post(app.url("/users/me/password"))
        .bearer_auth(tokens["access_token"].as_str().expect("access token"))
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await
        .expect("password change sent");
    assert!(res.status().is_success(), "{}", res.status());
}

/// Resets the password through the mailed link (JSON form of the confirm page).
async fn reset_password(app: &TestApp) {
    let res = app
        .http
        .post(app.url("/users/password-reset"))
        .json(&json!({"email": EMAIL}))
        .send()
        .await
        .expect("reset request sent");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let confirm = "/users/password-reset/confirm";
    let token = app.mail_to(EMAIL, 1).await.remove(0).link_token(confirm);
    let res = app
        .http
        .post(app.url(confirm))
        .json(&json!({"token": token, "password": NEW_PASSWORD}))
        .send()
        .await
        .expect("reset confirm sent");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

async fn happen(app: &TestApp, web: &Creds, event: Event) {
    let id = user_id(app).await;
    let (status, path, method) = match event {
        Event::PasswordChange => return change_password(app).await,
        Event::PasswordReset => return reset_password(app).await,
        Event::AdminDisable => (
            StatusCode::NO_CONTENT,
            format!("/admin/users/{id}/disable"),
            Method::POST,
        ),
        Event::AdminRevokeSessions => (
            StatusCode::OK,
            format!("/admin/users/{id}/sessions"),
            Method::DELETE,
        ),
        Event::ConsentWithdrawal => (
            StatusCode::NO_CONTENT,
            format!("/admin/users/{id}/consents/{}", web.id),
            Method::DELETE,
        ),
    };
    let (s, body) = admin(app, method, &path).await;
    assert_eq!(s, status, "{path}: {body}");
}

/// The scenario of issue 11 for one `event`.
async fn everything_issued_before_dies(db: TestDatabase, event: Event) {
    let (app, web, rs) = setup(db).await;
    let mut browser = Browser::new();
    let first = code(&app, &mut browser, &web).await;
    let (s, tokens) = exchange(&app, &web, &first).await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    assert!(
        tokens.get("refresh_token").is_none(),
        "a grant without refresh token: {tokens}"
    );
    let at = tokens["access_token"].as_str().expect("access token");
    let pending = code(&app, &mut browser, &web).await;
    assert_eq!(app.introspect(&rs, at).await["active"], true);
    assert_eq!(userinfo(&app, at).await, StatusCode::OK);

    happen(&app, &web, event).await;

    assert_eq!(
        app.introspect(&rs, at).await,
        json!({"active": false}),
        "the access token died"
    );
    assert_eq!(userinfo(&app, at).await, StatusCode::UNAUTHORIZED);
    let (s, body) = exchange(&app, &web, &pending).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant", "the pending code died");
    app.stop().await;
}

async fn asvs_7_4_2_password_change_ends_tokens_without_refresh_and_pending_codes(
    db: TestDatabase,
) {
    everything_issued_before_dies(db, Event::PasswordChange).await;
}
both_backends!(
    asvs_7_4_2_password_change,
    asvs_7_4_2_password_change_ends_tokens_without_refresh_and_pending_codes
);

async fn asvs_7_4_2_password_reset_ends_tokens_without_refresh_and_pending_codes(db: TestDatabase) {
    everything_issued_before_dies(db, Event::PasswordReset).await;
}
both_backends!(
    asvs_7_4_2_password_reset,
    asvs_7_4_2_password_reset_ends_tokens_without_refresh_and_pending_codes
);

async fn asvs_7_4_2_admin_disable_ends_tokens_without_refresh_and_pending_codes(db: TestDatabase) {
    everything_issued_before_dies(db, Event::AdminDisable).await;
}
both_backends!(
    asvs_7_4_2_admin_disable,
    asvs_7_4_2_admin_disable_ends_tokens_without_refresh_and_pending_codes
);

async fn asvs_7_4_2_admin_revoke_sessions_ends_tokens_without_refresh_and_pending_codes(
    db: TestDatabase,
) {
    everything_issued_before_dies(db, Event::AdminRevokeSessions).await;
}
both_backends!(
    asvs_7_4_2_admin_revoke_sessions,
    asvs_7_4_2_admin_revoke_sessions_ends_tokens_without_refresh_and_pending_codes
);

async fn as_25_consent_withdrawal_ends_tokens_without_refresh_and_pending_codes(db: TestDatabase) {
    everything_issued_before_dies(db, Event::ConsentWithdrawal).await;
}
both_backends!(
    as_25_consent_withdrawal,
    as_25_consent_withdrawal_ends_tokens_without_refresh_and_pending_codes
);
