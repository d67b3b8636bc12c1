//! The JSON account API over real HTTP: `POST /users/register`, `POST /users/login`,
//! `GET /users/me`; bad input is refused cleanly and stores nothing. Both backends.

use crate::support;

use crate::support::TestApp;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tessera_server::config::Budget;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "correct horse battery staple";

async fn post_json(app: &TestApp, path: &str, body: &Value) -> Response {
    app.http
        .post(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> Response {
    app.http
        .post(app.url(path))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, email: &str) -> Response {
    post_json(
        app,
        "/users/register",
        &json!({"email": email, "password": PASSWORD, "name": "Grace Hopper"}),
    )
    .await
}

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    post_json(
        app,
        "/users/login",
        &json!({"email": email, "password": password}),
    )
    .await
}

/// A 4xx in the JSON error shape; returns the body.
async fn json_error(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.expect("a JSON error body");
    assert!(body["error"].is_string(), "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    body
}

/// AS-26: the token response of `/users/login` is `Cache-Control: no-store`; the token opens
/// `/users/me`.
async fn as_26_register_login_me(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let r = register(&app, EMAIL).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let created: Value = r.json().await.unwrap();
    assert_eq!(created, json!({"email": EMAIL}));

    let r = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "account");
    assert!(tokens["expires_in"].as_i64().unwrap() > 0);
    let at = tokens["access_token"].as_str().unwrap();

    let r = app
        .http
        .get(app.url("/users/me"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let me: Value = r.json().await.unwrap();
    assert!(me["id"].as_str().is_some_and(|id| !id.is_empty()), "{me}");
    assert_eq!(me["email"], EMAIL);
    assert_eq!(me["email_verified"], false);
    assert_eq!(me["name"], "Grace Hopper");
    assert!(me["created_at"].as_i64().unwrap() > 0);
    app.stop().await;
}
both_backends!(as_26_login, as_26_register_login_me);

/// ASVS 6.3.8: a taken address answers exactly like a new one (`202 {"email"}`); nothing
/// is stored or changed, and the owner is mailed a notice instead of a verification link.
async fn asvs_6_3_8_register_taken_email_answers_202(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let first = register(&app, EMAIL).await;
    let (first_status, first_body) = (first.status(), first.text().await.unwrap());
    let again = post_json(
        &app,
        "/users/register",
        &json!({"email": EMAIL, "password": "another quite long passphrase", "name": "Eve"}),
    )
    .await;
    assert_eq!(first_status, StatusCode::ACCEPTED);
    assert_eq!(again.status(), first_status);
    assert_eq!(again.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(again.text().await.unwrap(), first_body);

    let mails = app.mail_to(EMAIL, 2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails.iter().any(|m| m.subject.contains("Confirm")),
        "{mails:?}"
    );
    let notice = mails
        .iter()
        .find(|m| m.subject.contains("tried to register"))
        .expect("a notice to the owner");
    assert!(notice.body.contains("/users/password-reset"), "{notice:?}");
    assert!(!notice.body.contains("token="), "no link token: {notice:?}");

    // The account is the first one, unchanged.
    assert_eq!(login(&app, EMAIL, PASSWORD).await.status(), StatusCode::OK);
    let r = login(&app, EMAIL, "another quite long passphrase").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both_backends!(
    asvs_6_3_8_taken_email,
    asvs_6_3_8_register_taken_email_answers_202
);

/// Emails are one account whatever their case or Unicode form: registered as
/// `Alice@Example.com`, signed in as `alice@example.com`; `ALICE@example.com` afterwards is
/// the taken-address case (202, no second account, the owner mailed).
async fn email_case_and_unicode_form_name_one_account(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let r = register(&app, "Alice@Example.com").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"email": "alice@example.com"}));
    assert_eq!(
        login(&app, "alice@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );

    let r = post_json(
        &app,
        "/users/register",
        &json!({"email": "ALICE@example.com", "password": "another quite long passphrase"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"email": "alice@example.com"}));
    let mails = app.mail_to("alice@example.com", 2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("tried to register")),
        "{mails:?}"
    );
    assert_eq!(
        login(&app, "ALICE@EXAMPLE.COM", "another quite long passphrase")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "aLiCe@example.COM", PASSWORD).await.status(),
        StatusCode::OK
    );

    // NFC: the precomposed and the decomposed form of "Zoë" are one address.
    let r = register(&app, "Zo\u{eb}@example.com").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(
        login(&app, "zoe\u{308}@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    app.stop().await;
}
both_backends!(
    email_one_account,
    email_case_and_unicode_form_name_one_account
);

/// R-08 and ASVS input validation: every bad body is a clean 4xx in the JSON error shape,
/// and stores nothing (the same email registers fine afterwards).
async fn r_08_bad_registrations_are_refused_and_store_nothing(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let json_ct = "application/json";
    let cases: Vec<(&str, Response, StatusCode, &str)> =
        vec![
        (
            "short password",
            post_json(
                &app,
                "/users/register",
                &json!({"email": EMAIL, "password": "short"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            "bad email",
            post_json(
                &app,
                "/users/register",
                &json!({"email": "not-an-email", "password": PASSWORD}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            "control character in email",
            post_json(
                &app,
                "/users/register",
                &json!({"email": "grace\u{7}@example.com", "password": PASSWORD}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            "newline in email",
            post_json(
                &app,
                "/users/register",
                &json!({"email": "grace@example.com\r\nBcc: x@example.com", "password": PASSWORD}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            "control character in name",
            post_json(
                &app,
                "/users/register",
                &json!({"email": EMAIL, "password": PASSWORD, "name": "a\u{0}b"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            "wrong type",
            post_json(
                &app,
                "/users/register",
                &json!({"email": EMAIL, "password": 123456789012345678_u64}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "missing field",
            post_json(&app, "/users/register", &json!({"email": EMAIL})).await,
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            "not JSON",
            post_raw(&app, "/users/register", json_ct, b"email=a&password=b".to_vec()).await,
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "a form, not JSON",
            post_raw(
                &app,
                "/users/register",
                "application/x-www-form-urlencoded",
                format!("email={EMAIL}&password=correct+horse+battery+staple").into_bytes(),
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
        ),
        (
            "invalid UTF-8",
            post_raw(
                &app,
                "/users/register",
                json_ct,
                [
                    br#"{"email":"grace@example.com","password":"correct horse "#.as_slice(),
                    &[0xff, 0xfe],
                    br#" staple"}"#.as_slice(),
                ]
                .concat(),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "64 KiB body",
            post_raw(
                &app,
                "/users/register",
                json_ct,
                serde_json::to_vec(
                    &json!({"email": EMAIL, "password": PASSWORD, "name": "x".repeat(64 * 1024)}),
                )
                .unwrap(),
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (what, r, status, field) in cases {
        assert_eq!(r.status(), status, "{what}");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store", "{what}");
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|_| panic!("{what}: JSON body"));
        assert!(body["error"].is_string(), "{what}: {body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(field), "{what}: {description}");
    }
    // Nothing was stored: the email is still free, and unknown to login.
    let r = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(register(&app, EMAIL).await.status(), StatusCode::ACCEPTED);
    app.stop().await;
}
both_backends!(
    r_08_bad_registrations,
    r_08_bad_registrations_are_refused_and_store_nothing
);

/// ASVS 6.3.8: wrong password and unknown email give the very same answer.
async fn asvs_6_3_8_login_does_not_enumerate(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_eq!(register(&app, EMAIL).await.status(), StatusCode::ACCEPTED);
    let wrong = login(&app, EMAIL, "not the right password at all").await;
    let unknown = login(&app, "nobody@example.com", PASSWORD).await;
    let malformed = login(&app, "not-an-email", PASSWORD).await;
    let mut bodies = Vec::new();
    for r in [wrong, unknown, malformed] {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        assert!(r.headers().get("retry-after").is_none());
        bodies.push(r.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    let body: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert!(body["error_description"].is_string());
    app.stop().await;
}
both_backends!(asvs_6_3_8, asvs_6_3_8_login_does_not_enumerate);

/// ASVS 6.3.1: the direct login shares the login page's lockout; a locked account answers
/// like a wrong password, even with the right one.
async fn asvs_6_3_1_login_locks_the_account(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.accounts.lockout.threshold = 3;
    let app = TestApp::spawn_with(db, config).await;
    assert_eq!(register(&app, EMAIL).await.status(), StatusCode::ACCEPTED);
    let mut wrong_body = String::new();
    for _ in 0..3 {
        let r = login(&app, EMAIL, "not the right password at all").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        wrong_body = r.text().await.unwrap();
    }
    let r = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.text().await.unwrap(), wrong_body);
    app.stop().await;
}
both_backends!(asvs_6_3_1, asvs_6_3_1_login_locks_the_account);

/// RFC 6750 §3.1: `/users/me` without a token, with a bad one, or with a token not issued
/// for the account API.
async fn me_refuses_missing_and_bad_tokens(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let r = app.http.get(app.url("/users/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));

    let r = app
        .http
        .get(app.url("/users/me"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("error=\"invalid_token\""));
    assert_eq!(
        json_error(r, StatusCode::UNAUTHORIZED).await["error"],
        "invalid_token"
    );

    // A valid access token of an ordinary client is not an account API token.
    let svc = app.service_client("client_secret_basic").await;
    let at = app.token(&svc, Some("read")).await;
    let r = app
        .http
        .get(app.url("/users/me"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert!(r.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("error=\"insufficient_scope\""));
    json_error(r, StatusCode::FORBIDDEN).await;
    app.stop().await;
}
both_backends!(me_bad_tokens, me_refuses_missing_and_bad_tokens);

/// AS-27: failed `/users/login` attempts and registrations are limited per address; past the
/// budget even the right password waits (the budget is checked before the password).
async fn as_27_account_endpoints_are_rate_limited(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.rate_limit.sign_in_failures = Budget::new(2, 1);
    config.rate_limit.registrations = Budget::new(2, 1);
    let app = TestApp::spawn_with(db, config).await;
    let r = register(&app, EMAIL).await;
    assert!(r.status().is_success(), "{}", r.status());
    // Honest sign-ins spend nothing.
    for _ in 0..5 {
        assert_eq!(login(&app, EMAIL, PASSWORD).await.status(), StatusCode::OK);
    }
    for _ in 0..2 {
        let r = login(&app, EMAIL, "not the password at all").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, EMAIL, PASSWORD).await;
    assert!(r.headers().contains_key("retry-after"));
    json_error(r, StatusCode::TOO_MANY_REQUESTS).await;
    let mut last = None;
    for _ in 0..2 {
        last = Some(post_json(&app, "/users/register", &json!({})).await);
    }
    let r = last.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    json_error(r, StatusCode::TOO_MANY_REQUESTS).await;
    app.stop().await;
}
both_backends!(as_27_rate_limit, as_27_account_endpoints_are_rate_limited);

/// The login's refresh token rotates at `/token` as the public client `tessera-account`; the
/// new access token opens `/users/me`, and a spent refresh token is refused.
async fn login_refresh_token_rotates_at_the_token_endpoint(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_eq!(register(&app, EMAIL).await.status(), StatusCode::ACCEPTED);
    let tokens: Value = login(&app, EMAIL, PASSWORD).await.json().await.unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |rt: String| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", "tessera-account"),
                    ("refresh_token", rt.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = refresh(rt.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let next: Value = r.json().await.unwrap();
    assert_eq!(next["scope"], "account");
    assert_ne!(next["refresh_token"].as_str().unwrap(), rt);
    let r = app
        .http
        .get(app.url("/users/me"))
        .bearer_auth(next["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = refresh(rt).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}
both_backends!(
    login_refresh,
    login_refresh_token_rotates_at_the_token_endpoint
);
