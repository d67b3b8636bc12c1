//! The audit trail of security events over real HTTP, read back through `/admin/audit`:
//! sign-ins (good, bad, locked), the lockout itself, tokens issued, refreshed and revoked,
//! refresh-token reuse, password change and reset, email verification, account deletion.
//! Every row names what happened, to whom, for which client and from where, and none holds a
//! password, secret or token. Both backends.

use crate::support;

use crate::support::TestApp;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;
use tessera_tests::{both_backends, TestDatabase};

const ADMIN_TOKEN: &str = "admin-token-for-the-audit-test-0123456789";
const EMAIL: &str = "audit@example.com";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "another quite long passphrase";
const WRONG: &str = "definitely not the password";

/// Waits until the audit log holds `count` events of `action`; returns them (newest first).
async fn events(app: &TestApp, action: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let r = app
            .http
            .get(app.url(&format!("/admin/audit?action={action}&limit=500")))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        let list = body["events"].as_array().unwrap().clone();
        if list.len() >= count {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} {action} events");
}

async fn post_json(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut r = app.http.post(app.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

async fn refresh(app: &TestApp, rt: &str) -> reqwest::Response {
    app.http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "tessera-account"),
            ("refresh_token", rt),
        ])
        .send()
        .await
        .unwrap()
}

async fn security_events_are_audited_without_secrets(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    config.accounts.lockout.threshold = 2;
    config.accounts.lockout.base_secs = 1;
    config.accounts.lockout.max_secs = 1;
    let app = TestApp::spawn_with(db, config).await;
    let mut secrets: Vec<String> = vec![
        PASSWORD.into(),
        NEW_PASSWORD.into(),
        WRONG.into(),
        ADMIN_TOKEN.into(),
    ];

    // Registration, the verification link, a login with tokens.
    let r = post_json(
        &app,
        "/users/register",
        None,
        json!({"email": EMAIL, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let found: Value = app
        .http
        .get(app.url(&format!("/admin/users?email={EMAIL}")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = found["users"][0]["id"].as_str().unwrap().to_owned();
    let mail = app.mail_to(EMAIL, 1).await.remove(0);
    let link = mail.link_token("/users/verify-email");
    secrets.push(link.clone());
    assert_eq!(
        post_json(&app, "/users/verify-email", None, json!({"token": link}))
            .await
            .status(),
        StatusCode::OK
    );
    let verified = events(&app, "email_verified", 1).await;
    assert_eq!(verified[0]["subject"], user_id.as_str());
    assert_eq!(verified[0]["outcome"], "success");

    let login = |password: &'static str| {
        post_json(
            &app,
            "/users/login",
            None,
            json!({"email": EMAIL, "password": password}),
        )
    };
    let tokens: Value = login(PASSWORD).await.json().await.unwrap();
    let (at, rt) = (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    );
    secrets.push(at.clone());
    secrets.push(rt.clone());
    let ok = events(&app, "login_succeeded", 1).await;
    assert_eq!(ok[0]["actor"], EMAIL);
    assert_eq!(ok[0]["client_id"], "tessera-account");
    assert_eq!(ok[0]["ip"], "127.0.0.1");

    // A refresh, then reuse of the spent token: the family is revoked and that is audited.
    let r = refresh(&app, &rt).await;
    assert_eq!(r.status(), StatusCode::OK);
    let next: Value = r.json().await.unwrap();
    secrets.push(next["refresh_token"].as_str().unwrap().to_owned());
    secrets.push(next["access_token"].as_str().unwrap().to_owned());
    let refreshed = events(&app, "token_refreshed", 1).await;
    assert_eq!(refreshed[0]["client_id"], "tessera-account");
    assert_eq!(refresh(&app, &rt).await.status(), StatusCode::BAD_REQUEST);
    let reuse = events(&app, "refresh_token_reuse", 1).await;
    assert_eq!(reuse[0]["subject"], user_id.as_str());
    assert_eq!(reuse[0]["outcome"], "failure");

    // A service token, and its revocation.
    let svc = app.service_client("client_secret_basic").await;
    secrets.push(svc.secret.clone());
    let service_token = app.token(&svc, None).await;
    secrets.push(service_token.clone());
    let issued = events(&app, "token_issued", 1).await;
    assert_eq!(issued[0]["client_id"], svc.id.as_str());
    assert_eq!(issued[0]["detail"], "grant=client_credentials");
    let r = app
        .post_form("/revoke", Some(&svc), &[("token", service_token.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    events(&app, "token_revoked", 1).await;

    // Wrong passwords until the lock: failures, then the lockout itself.
    for _ in 0..2 {
        assert_eq!(login(WRONG).await.status(), StatusCode::UNAUTHORIZED);
    }
    let failed = events(&app, "login_failed", 2).await;
    assert!(failed
        .iter()
        .all(|e| e["actor"] == EMAIL && e["outcome"] == "failure"));
    let locked = events(&app, "account_locked", 1).await;
    assert_eq!(locked[0]["subject"], user_id.as_str());
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    // Password change, reset, deletion.
    let tokens: Value = login(PASSWORD).await.json().await.unwrap();
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    secrets.push(at.clone());
    let r = post_json(
        &app,
        "/users/me/password",
        Some(&at),
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        events(&app, "password_changed", 1).await[0]["subject"],
        user_id.as_str()
    );

    assert_eq!(
        post_json(&app, "/users/password-reset", None, json!({"email": EMAIL}))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    let reset = app
        .mail_to(EMAIL, 2)
        .await
        .into_iter()
        .find(|m| m.subject.contains("Reset"))
        .unwrap();
    let reset_token = reset.link_token("/users/password-reset/confirm");
    secrets.push(reset_token.clone());
    let r = post_json(
        &app,
        "/users/password-reset/confirm",
        None,
        json!({"token": reset_token, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        events(&app, "password_reset", 1).await[0]["subject"],
        user_id.as_str()
    );

    let tokens: Value = login(PASSWORD).await.json().await.unwrap();
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    let r = app
        .http
        .delete(app.url("/users/me"))
        .bearer_auth(&at)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        events(&app, "account_deleted", 1).await[0]["subject"],
        user_id.as_str()
    );

    // No row anywhere holds a secret.
    let all = app
        .http
        .get(app.url("/admin/audit?limit=500"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for secret in &secrets {
        assert!(
            !all.contains(secret.as_str()),
            "a secret is in the audit log"
        );
    }
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("tessera_lockouts_total 1"), "{metrics}");
    app.stop().await;
}
both_backends!(audit_trail, security_events_are_audited_without_secrets);
