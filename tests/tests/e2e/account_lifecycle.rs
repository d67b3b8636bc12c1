//! The account lifecycle over real HTTP, mail read back from the file outbox: verification
//! link, profile change, password change, password reset, account deletion, and the
//! no-enumeration and single-use rules around them. Both backends.

use crate::support;

use crate::support::browser::Browser;
use crate::support::TestApp;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tessera_server::config::Budget;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "an entirely different passphrase";
const VERIFY: &str = "/users/verify-email";
const RESET_CONFIRM: &str = "/users/password-reset/confirm";

async fn send_json(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Response {
    let mut req = app
        .http
        .request(method.parse().unwrap(), app.url(path))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> Response {
    send_json(app, "POST", path, None, body).await
}

/// Logs in; returns (access token, refresh token), or the failed response's status.
async fn login(app: &TestApp, email: &str, password: &str) -> Result<(String, String), StatusCode> {
    let r = post_json(
        app,
        "/users/login",
        &json!({"email": email, "password": password}),
    )
    .await;
    if r.status() != StatusCode::OK {
        return Err(r.status());
    }
    let t: Value = r.json().await.unwrap();
    Ok((
        t["access_token"].as_str().unwrap().to_owned(),
        t["refresh_token"].as_str().unwrap().to_owned(),
    ))
}

async fn me(app: &TestApp, token: &str) -> Response {
    app.http
        .get(app.url("/users/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, rt: &str) -> StatusCode {
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
        .status()
}

async fn register(app: &TestApp, email: &str) -> Value {
    let r = post_json(
        app,
        "/users/register",
        &json!({"email": email, "password": PASSWORD, "name": "Ada"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    r.json().await.unwrap()
}

async fn error_code(r: Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let body: Value = r.json().await.expect("a JSON error body");
    assert!(body["error_description"].is_string(), "{body}");
    body["error"].as_str().unwrap().to_owned()
}

/// Registration mails a verification link; following it (JSON) verifies the address once.
async fn r_06_verification_link_verifies_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let mail = app.mail_to(EMAIL, 1).await.remove(0);
    assert!(mail.subject.contains("Confirm"), "{mail:?}");
    let token = mail.link_token(VERIFY);
    assert!(
        mail.body.contains(&app.url(VERIFY)),
        "absolute link: {}",
        mail.body
    );
    assert!(token.len() >= 43, "256 bits");

    let (at, _) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["email_verified"], false);

    let r = post_json(&app, VERIFY, &json!({"token": token})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["email_verified"], true);

    let r = post_json(&app, VERIFY, &json!({"token": token})).await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_token"
    );
    let r = post_json(&app, VERIFY, &json!({"token": "not-a-token"})).await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_token"
    );
    app.stop().await;
}
both_backends!(r_06_verify_once, r_06_verification_link_verifies_once);

/// AS-33/AS-35: the verification page acts only on a CSRF-checked POST, is not framable and
/// not cached; resending mails a new link to an unverified account only, always `202`.
async fn as_35_verification_page_and_resend(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let first = app.mail_to(EMAIL, 1).await.remove(0);

    for email in [EMAIL, "nobody@example.com"] {
        let r = post_json(&app, "/users/verify-email/resend", &json!({"email": email})).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{email}");
    }
    let mails = app.mail_to(EMAIL, 2).await;
    let second = mails.last().unwrap();
    assert_ne!(second.link_token(VERIFY), first.link_token(VERIFY));

    let mut browser = Browser::new();
    let link = app.url(&format!("{VERIFY}?token={}", second.link_token(VERIFY)));
    let page = browser.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    // Opening the link changed nothing yet.
    let (at, _) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["email_verified"], false);

    // A forged form (no CSRF token) is refused.
    let mut forged = page.form();
    forged.set("csrf_token", "forged");
    let refused = browser.post(&app.url(VERIFY), &forged).await;
    assert_eq!(refused.status, 403);

    let done = browser.post(&app.url(VERIFY), &page.form()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("confirmed"));
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["email_verified"], true);

    // Verified accounts get no more links.
    let r = post_json(&app, "/users/verify-email/resend", &json!({"email": EMAIL})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.outbox().len(), 2);
    app.stop().await;
}
both_backends!(as_35_verify_page, as_35_verification_page_and_resend);

/// PATCH /users/me sets and clears the name, refusing bad ones.
async fn profile_name_changes(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let (at, _) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let r = send_json(
        &app,
        "PATCH",
        "/users/me",
        Some(&at),
        &json!({"name": "Ada L."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], "Ada L.");
    let r = send_json(
        &app,
        "PATCH",
        "/users/me",
        Some(&at),
        &json!({"name": null}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["name"], Value::Null);
    for bad in [
        json!({}),
        json!({"name": 5}),
        json!({"name": "a\u{7}b"}),
        json!({"name": " "}),
    ] {
        let r = send_json(&app, "PATCH", "/users/me", Some(&at), &bad).await;
        assert_eq!(
            error_code(r, StatusCode::BAD_REQUEST).await,
            "invalid_request",
            "{bad}"
        );
    }
    let r = send_json(&app, "PATCH", "/users/me", None, &json!({"name": "x"})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both_backends!(profile_name, profile_name_changes);

/// ASVS 6.2.3 and AS-25: changing the password needs the current one, then every refresh
/// token and access token of the account stops working; the new password signs in.
async fn asvs_6_2_3_password_change_needs_current_and_signs_out_everywhere(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let (at, rt) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let (other_at, other_rt) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &change("wrong password here!", NEW_PASSWORD),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::FORBIDDEN).await,
        "invalid_credentials"
    );
    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &change(PASSWORD, "too short"),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &json!({"current_password": PASSWORD}),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );

    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &change(PASSWORD, NEW_PASSWORD),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    assert_eq!(refresh(&app, &rt).await, StatusCode::BAD_REQUEST);
    assert_eq!(refresh(&app, &other_rt).await, StatusCode::BAD_REQUEST);
    assert_eq!(me(&app, &at).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &other_at).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&app, EMAIL, PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let (new_at, _) = login(&app, EMAIL, NEW_PASSWORD).await.unwrap();
    assert_eq!(me(&app, &new_at).await.status(), StatusCode::OK);
    app.stop().await;
}
both_backends!(
    asvs_6_2_3_change,
    asvs_6_2_3_password_change_needs_current_and_signs_out_everywhere
);

/// The lockout applies to the password change too: after the threshold, even the right
/// current password is refused with `Retry-After` until the delay passes.
async fn asvs_6_3_1_password_change_is_locked_out(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.accounts.lockout.threshold = 3;
    config.accounts.lockout.base_secs = 2;
    config.accounts.lockout.max_secs = 2;
    let app = TestApp::spawn_with(db, config).await;
    register(&app, EMAIL).await;
    let (at, _) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let body = |current: &str| json!({"current_password": current, "new_password": NEW_PASSWORD});
    for _ in 0..3 {
        let r = send_json(
            &app,
            "POST",
            "/users/me/password",
            Some(&at),
            &body("wrong password here!"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &body(PASSWORD),
    )
    .await;
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        error_code(r, StatusCode::FORBIDDEN).await,
        "invalid_credentials"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let r = send_json(
        &app,
        "POST",
        "/users/me/password",
        Some(&at),
        &body(PASSWORD),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}
both_backends!(
    asvs_6_3_1_change_lockout,
    asvs_6_3_1_password_change_is_locked_out
);

/// ASVS 6.3.8: a reset request answers `202` for every address alike; only the real account
/// gets mail. The link works once, within its rules, and signs the account out everywhere.
async fn asvs_6_3_8_password_reset_through_the_outbox(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    app.mail_to(EMAIL, 1).await;
    let (_, rt) = login(&app, EMAIL, PASSWORD).await.unwrap();

    for email in [EMAIL, "nobody@example.com", "not an email"] {
        let r = post_json(&app, "/users/password-reset", &json!({"email": email})).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{email}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"status": "accepted"})
        );
    }
    let mails = app.mail_to(EMAIL, 2).await;
    let reset = mails
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .expect("a reset mail");
    let token = reset.link_token(RESET_CONFIRM);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox().len(), 2, "no mail for unknown addresses");

    // The page shows the form while the link works.
    let page = Browser::new()
        .get(&app.url(&format!("{RESET_CONFIRM}?token={token}")))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"password\""));
    assert_eq!(page.headers["cache-control"], "no-store");

    // A refused password does not use the link up.
    let r = post_json(
        &app,
        RESET_CONFIRM,
        &json!({"token": token, "password": "short"}),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    let r = post_json(
        &app,
        RESET_CONFIRM,
        &json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = post_json(
        &app,
        RESET_CONFIRM,
        &json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::BAD_REQUEST).await,
        "invalid_token"
    );
    let page = Browser::new()
        .get(&app.url(&format!("{RESET_CONFIRM}?token={token}")))
        .await;
    assert_eq!(page.status, 400, "a used link shows the error page");

    assert_eq!(refresh(&app, &rt).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        login(&app, EMAIL, PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let (at, _) = login(&app, EMAIL, NEW_PASSWORD).await.unwrap();
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(
        profile["email_verified"], true,
        "the reset link proved the mailbox"
    );
    app.stop().await;
}
both_backends!(
    asvs_6_3_8_reset,
    asvs_6_3_8_password_reset_through_the_outbox
);

/// The reset page flow in a browser: CSRF-checked form, a refused password shows the form
/// again, then success. Asking again does not void a link already mailed (nobody can cut a
/// locked-out owner's way back in); using one link ends the others.
async fn as_35_reset_page_flow(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    for _ in 0..2 {
        let r = post_json(&app, "/users/password-reset", &json!({"email": EMAIL})).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let mails = app.mail_to(EMAIL, 3).await;
    let resets: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains("Reset"))
        .collect();
    assert_eq!(resets.len(), 2);
    let old = resets[0].link_token(RESET_CONFIRM);
    let new = resets[1].link_token(RESET_CONFIRM);
    let mut browser = Browser::new();
    let page = browser
        .get(&app.url(&format!("{RESET_CONFIRM}?token={old}")))
        .await;
    assert_eq!(page.status, 200, "a newer link does not void this one");

    let page = browser
        .get(&app.url(&format!("{RESET_CONFIRM}?token={new}")))
        .await;
    assert_eq!(page.status, 200);
    let mut form = page.form();
    form.set("password", "password123456789");
    let again = browser.post(&app.url(RESET_CONFIRM), &form).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("role=\"alert\""), "{}", again.body);
    let mut form = again.form();
    form.set("password", NEW_PASSWORD);
    let mut forged = form.clone();
    forged.set("csrf_token", "x");
    assert_eq!(
        browser.post(&app.url(RESET_CONFIRM), &forged).await.status,
        403
    );
    let done = browser.post(&app.url(RESET_CONFIRM), &form).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(login(&app, EMAIL, NEW_PASSWORD).await.is_ok());
    let page = browser
        .get(&app.url(&format!("{RESET_CONFIRM}?token={old}")))
        .await;
    assert_eq!(page.status, 400, "a used reset ends the other links");
    app.stop().await;
}
both_backends!(as_35_reset_page, as_35_reset_page_flow);

/// Account-side mail is capped per account (default: 3 reset mails an hour), whatever the
/// addresses asking; the answer stays `202` alike, so nothing leaks.
async fn as_27_reset_mails_per_account_are_capped(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.rate_limit.trust_forwarded_for = true;
    let app = TestApp::spawn_with(db, config).await;
    register(&app, EMAIL).await;
    app.mail_to(EMAIL, 1).await;
    for i in 0..6 {
        let r = app
            .http
            .post(app.url("/users/password-reset"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({"email": EMAIL}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    app.mail_to(EMAIL, 4).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let resets = app
        .outbox()
        .into_iter()
        .filter(|m| m.to.contains(EMAIL) && m.subject.contains("Reset"))
        .count();
    assert_eq!(resets, 3, "three reset mails, then nothing more this hour");
    app.stop().await;
}
both_backends!(
    as_27_reset_mail_cap,
    as_27_reset_mails_per_account_are_capped
);

/// ASVS 7.4.2: deleting the account needs the password, ends its tokens, and frees the email.
async fn asvs_7_4_2_delete_account(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let (at, rt) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let r = send_json(
        &app,
        "DELETE",
        "/users/me",
        Some(&at),
        &json!({"password": "not my password!"}),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::FORBIDDEN).await,
        "invalid_credentials"
    );
    assert_eq!(me(&app, &at).await.status(), StatusCode::OK);
    let r = send_json(
        &app,
        "DELETE",
        "/users/me",
        Some(&at),
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &at).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&app, &rt).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        login(&app, EMAIL, PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    register(&app, EMAIL).await;
    app.stop().await;
}
both_backends!(asvs_7_4_2_delete, asvs_7_4_2_delete_account);

/// bad bodies on the new endpoints are clean 4xx, and nothing changes.
async fn r_08_bad_input_on_account_changes(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    register(&app, EMAIL).await;
    let (at, _) = login(&app, EMAIL, PASSWORD).await.unwrap();
    let raw = |method: &'static str, path: &'static str, ct: &'static str, body: Vec<u8>| {
        let app = &app;
        let at = at.clone();
        async move {
            app.http
                .request(method.parse().unwrap(), app.url(path))
                .bearer_auth(at)
                .header(CONTENT_TYPE, ct)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let cases: Vec<(&str, &str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "PATCH",
            "/users/me",
            "application/json",
            vec![b'{'; 20_000],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "POST",
            "/users/me/password",
            "application/json",
            b"{\"current_password\": 1, \"new_password\": []}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/users/me/password",
            "application/json",
            b"{\"current_password\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "DELETE",
            "/users/me",
            "text/plain",
            b"password".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "DELETE",
            "/users/me",
            "application/json",
            b"[]".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/users/password-reset",
            "application/json",
            b"{\"email\": 7}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/users/verify-email/resend",
            "application/json",
            b"not json".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/users/verify-email",
            "application/json",
            b"{\"token\": \"\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            "/users/password-reset/confirm",
            "application/json",
            b"{\"token\": \"t\", \"password\": \"\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (method, path, ct, body, status) in cases {
        let r = raw(method, path, ct, body).await;
        error_code(r, status).await;
    }
    let r = post_json(
        &app,
        "/users/register",
        &json!({"email": "bad\u{0}@example.com", "password": PASSWORD}),
    )
    .await;
    error_code(r, StatusCode::BAD_REQUEST).await;
    // Nothing changed: same name, same password, still there.
    let profile: Value = me(&app, &at).await.json().await.unwrap();
    assert_eq!(profile["name"], "Ada");
    assert!(login(&app, EMAIL, PASSWORD).await.is_ok());
    app.stop().await;
}
both_backends!(r_08_bad_account_input, r_08_bad_input_on_account_changes);

/// AS-27: the reset and resend requests are rate-limited per address.
async fn as_27_reset_requests_are_rate_limited(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.rate_limit.mail_requests = Budget::new(2, 3600);
    let app = TestApp::spawn_with(db, config).await;
    for path in ["/users/password-reset", "/users/verify-email/resend"] {
        let mut last = None;
        for _ in 0..4 {
            last = Some(post_json(&app, path, &json!({"email": "x@example.com"})).await);
        }
        let r = last.unwrap();
        assert!(r.headers().contains_key("retry-after"), "{path}");
        assert_eq!(
            error_code(r, StatusCode::TOO_MANY_REQUESTS).await,
            "too_many_requests"
        );
    }
    app.stop().await;
}
both_backends!(
    as_27_reset_rate_limit,
    as_27_reset_requests_are_rate_limited
);
