//! Second factors over the JSON account API, on the real server and both backends: TOTP
//! enrolment (`/users/me/mfa*`), the two-step `/users/login` → `/users/login/mfa`, single-use
//! `mfa_token`s and TOTP steps, recovery codes (single use, renewal, mailed notice), turning
//! TOTP off, the lockout counted across password and codes, the administrator's reset, the
//! fresh sign-in needed to change factors, bad input, and what discovery says about `amr`/`acr`.

use crate::support::totp::{account_token, enrol, login, Authenticator};
use crate::support::{test_config, TestApp};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "correct horse battery staple";
const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

async fn post_json(app: &TestApp, path: &str, bearer: Option<&str>, body: &Value) -> Response {
    let mut req = app.http.post(app.url(path)).json(body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn delete_json(app: &TestApp, path: &str, bearer: &str, body: &Value) -> Response {
    app.http
        .delete(app.url(path))
        .bearer_auth(bearer)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, path: &str, bearer: &str) -> Response {
    app.http
        .get(app.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

/// A 4xx in the JSON error shape with `error`; returns the body.
async fn json_error(r: Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.expect("a JSON error body");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    body
}

/// `GET /users/me/mfa`.
async fn mfa_status(app: &TestApp, token: &str) -> Value {
    let r = get(app, "/users/me/mfa", token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    r.json().await.unwrap()
}

/// `/users/login` with the right password for an account with TOTP on: the `mfa_token`.
async fn mfa_token(app: &TestApp, email: &str) -> String {
    let r = login(app, email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "mfa_required", "{body}");
    assert_eq!(body["expires_in"], 300, "{body}");
    assert!(body.get("access_token").is_none(), "no token yet: {body}");
    assert!(body.get("refresh_token").is_none(), "no token yet: {body}");
    let token = body["mfa_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 20, "{token}");
    token
}

async fn login_mfa(app: &TestApp, mfa_token: &str, otp: &str) -> Response {
    post_json(
        app,
        "/users/login/mfa",
        None,
        &json!({"mfa_token": mfa_token, "otp": otp}),
    )
    .await
}

/// A token response whose access token opens `/users/me` for `email`.
async fn assert_tokens_for(app: &TestApp, r: Response, email: &str) -> String {
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert_eq!(tokens["scope"], "account", "{tokens}");
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    let me = get(app, "/users/me", &at).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], email);
    at
}

/// Waits (up to 10 s) for a message to `to` with `subject`.
async fn mail_titled(app: &TestApp, to: &str, subject: &str) -> crate::support::Mail {
    for _ in 0..200 {
        if let Some(m) = app
            .outbox()
            .into_iter()
            .find(|m| m.to.contains(to) && m.subject == subject)
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail {subject:?} to {to}: {:?}", app.outbox());
}

fn is_recovery_code(c: &str) -> bool {
    let groups: Vec<&str> = c.split('-').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        })
}

fn codes_of(body: &Value) -> Vec<String> {
    body["recovery_codes"]
        .as_array()
        .unwrap_or_else(|| panic!("recovery codes: {body}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

fn assert_ten_distinct_codes(codes: &[String]) {
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert!(codes.iter().all(|c| is_recovery_code(c)), "{codes:?}");
    let distinct: BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 10, "{codes:?}");
}

/// Registers `email` and signs in: a fresh account API token.
async fn register_and_login(app: &TestApp, email: &str) -> String {
    let r = post_json(
        app,
        "/users/register",
        None,
        &json!({"email": email, "password": PASSWORD, "name": "Grace Hopper"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    account_token(app, email, PASSWORD).await
}

/// The whole life of TOTP on one account: enrol (wrong then right code), the two-step login,
/// single-use `mfa_token`s and steps, recovery codes used once and renewed, TOTP turned off.
async fn totp_enrolment_two_step_login_recovery_codes_and_disable(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let token = register_and_login(&app, EMAIL).await;
    let off = mfa_status(&app, &token).await;
    assert_eq!(
        off,
        json!({"totp": false, "passkeys": [], "recovery_codes_left": 0})
    );

    // Enrolment: the secret, its otpauth URI and a QR code; not on until confirmed.
    let r = post_json(&app, "/users/me/mfa/totp", Some(&token), &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let enrolment: Value = r.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    let svg = enrolment["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    let mut auth = Authenticator::from_base32(secret);
    assert_eq!(
        mfa_status(&app, &token).await["totp"],
        false,
        "not on before the confirmation"
    );
    assert_eq!(
        login(&app, EMAIL, PASSWORD).await.status(),
        StatusCode::OK,
        "an unconfirmed enrolment does not ask for a code"
    );

    // A wrong code is refused; the right one turns TOTP on with ten recovery codes.
    let r = post_json(
        &app,
        "/users/me/mfa/totp/confirm",
        Some(&token),
        &json!({"code": auth.wrong_code()}),
    )
    .await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(mfa_status(&app, &token).await["totp"], false);
    let (_, code) = auth.next_code().await;
    let r = post_json(
        &app,
        "/users/me/mfa/totp/confirm",
        Some(&token),
        &json!({ "code": code }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let recovery = codes_of(&r.json().await.unwrap());
    assert_ten_distinct_codes(&recovery);
    assert_eq!(
        mfa_status(&app, &token).await,
        json!({"totp": true, "passkeys": [], "recovery_codes_left": 10})
    );
    mail_titled(&app, EMAIL, "Two-step sign-in is on").await;

    // The password alone no longer gives tokens; the code finishes the sign-in.
    let first = mfa_token(&app, EMAIL).await;
    let (_, code) = auth.next_code().await;
    assert_tokens_for(&app, login_mfa(&app, &first, &code).await, EMAIL).await;
    // The mfa_token is spent.
    let unused = auth.code_at(auth.next_step().await);
    let r = login_mfa(&app, &first, &unused).await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    // The code just used is refused on a fresh mfa_token: its step is taken (a used code
    // matches only its own step, which is not after the last one used, whatever the clock).
    let second = mfa_token(&app, EMAIL).await;
    let r = login_mfa(&app, &second, &code).await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // ... and that refusal spent the mfa_token too.
    let unused = auth.code_at(auth.next_step().await);
    let r = login_mfa(&app, &second, &unused).await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_grant").await;

    // A recovery code works once (typed in capitals and without hyphens), and is mailed.
    let third = mfa_token(&app, EMAIL).await;
    let typed = recovery[0].replace('-', "").to_uppercase();
    assert_tokens_for(&app, login_mfa(&app, &third, &typed).await, EMAIL).await;
    let notice = mail_titled(&app, EMAIL, "A recovery code was used").await;
    assert!(notice.body.contains("9 left"), "{notice:?}");
    assert!(!notice.body.contains(&recovery[0]), "no code in the mail");
    assert_eq!(mfa_status(&app, &token).await["recovery_codes_left"], 9);
    let fourth = mfa_token(&app, EMAIL).await;
    let r = login_mfa(&app, &fourth, &recovery[0]).await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(mfa_status(&app, &token).await["recovery_codes_left"], 9);

    // Renewal needs a right code and voids the old codes.
    let r = post_json(
        &app,
        "/users/me/mfa/recovery-codes",
        Some(&token),
        &json!({"otp": auth.wrong_code()}),
    )
    .await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(mfa_status(&app, &token).await["recovery_codes_left"], 9);
    let (_, code) = auth.next_code().await;
    let r = post_json(
        &app,
        "/users/me/mfa/recovery-codes",
        Some(&token),
        &json!({ "otp": code }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let renewed = codes_of(&r.json().await.unwrap());
    assert_ten_distinct_codes(&renewed);
    assert!(renewed.iter().all(|c| !recovery.contains(c)), "new codes");
    assert_eq!(mfa_status(&app, &token).await["recovery_codes_left"], 10);
    let fifth = mfa_token(&app, EMAIL).await;
    let r = login_mfa(&app, &fifth, &recovery[1]).await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let sixth = mfa_token(&app, EMAIL).await;
    assert_tokens_for(&app, login_mfa(&app, &sixth, &renewed[3]).await, EMAIL).await;

    // Turning TOTP off needs a right code.
    let r = delete_json(
        &app,
        "/users/me/mfa/totp",
        &token,
        &json!({"otp": auth.wrong_code()}),
    )
    .await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(mfa_status(&app, &token).await["totp"], true);
    let (_, code) = auth.next_code().await;
    let r = delete_json(&app, "/users/me/mfa/totp", &token, &json!({ "otp": code })).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        mfa_status(&app, &token).await,
        json!({"totp": false, "passkeys": [], "recovery_codes_left": 0})
    );
    assert_tokens_for(&app, login(&app, EMAIL, PASSWORD).await, EMAIL).await;
    // Off again: neither a TOTP nor a recovery code has anything to turn off.
    let r = delete_json(
        &app,
        "/users/me/mfa/totp",
        &token,
        &json!({"otp": renewed[4]}),
    )
    .await;
    json_error(r, StatusCode::CONFLICT, "conflict").await;
    app.stop().await;
}
both_backends!(
    totp_life,
    totp_enrolment_two_step_login_recovery_codes_and_disable
);

/// A server whose lock after 5 failures lasts 10 minutes, with a user who has TOTP on.
async fn locking_app(db: TestDatabase) -> (TestApp, Authenticator) {
    let mut config = test_config(db.url());
    config.accounts.lockout.threshold = 5;
    config.accounts.lockout.base_secs = 600;
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (auth, _) = enrol(&app, &token).await;
    (app, auth)
}

/// ASVS 6.3.1 across factors: wrong codes after a right password count toward the same
/// lockout (each one needs a fresh `mfa_token`: a refusal spends it); once locked, the right
/// password answers exactly like a wrong one, and an `mfa_token` taken before the lock cannot
/// finish the sign-in, even with the right code.
async fn lockout_counts_wrong_codes_after_right_passwords(db: TestDatabase) {
    let (app, mut auth) = locking_app(db).await;
    // Keep a step begun before any failure; then wrong codes until the password stops
    // giving steps. The threshold is 5, so at most 5 wrong codes.
    let kept = mfa_token(&app, EMAIL).await;
    let mut wrong_codes = 0;
    loop {
        let r = login(&app, EMAIL, PASSWORD).await;
        let body: Value = r.json().await.unwrap();
        if body["error"] != "mfa_required" {
            break;
        }
        assert!(
            wrong_codes < 5,
            "still not locked after {wrong_codes} wrong codes"
        );
        let t = body["mfa_token"].as_str().unwrap();
        let r = login_mfa(&app, t, &auth.wrong_code()).await;
        json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        wrong_codes += 1;
    }
    assert!(wrong_codes >= 1, "locked without any wrong code");

    // The right password now answers like a wrong one: no mfa_token, no tokens.
    let wrong = login(&app, EMAIL, "not the password at all").await;
    let (wrong_status, wrong_body) = (wrong.status(), wrong.json::<Value>().await.unwrap());
    let right = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(right.status(), StatusCode::UNAUTHORIZED);
    let right_body: Value = right.json().await.unwrap();
    assert_eq!(right_body["error"], "invalid_grant", "{right_body}");
    assert!(right_body.get("mfa_token").is_none(), "{right_body}");
    assert!(right_body.get("access_token").is_none(), "{right_body}");
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(right_body, wrong_body, "a lock looks like a wrong password");

    // The step begun before the lock cannot finish it, even with the right code.
    let (_, code) = auth.next_code().await;
    let r = login_mfa(&app, &kept, &code).await;
    json_error(r, StatusCode::UNAUTHORIZED, "account_locked").await;
    app.stop().await;
}
both_backends!(
    lockout_across_factors,
    lockout_counts_wrong_codes_after_right_passwords
);

/// The lockout counts failures only: a right password is not one (the second step, not the
/// password, forgets the count). Four wrong codes, each after the right password, leave the
/// account open, and the right code then signs in; five abandoned second steps lock nothing.
async fn a_right_password_is_not_counted_as_a_failure(db: TestDatabase) {
    let (app, mut auth) = locking_app(db).await;
    for _ in 0..5 {
        mfa_token(&app, EMAIL).await; // right password, second step abandoned
    }
    let t = mfa_token(&app, EMAIL).await;
    let (_, code) = auth.next_code().await;
    assert_tokens_for(&app, login_mfa(&app, &t, &code).await, EMAIL).await;

    for _ in 0..4 {
        let t = mfa_token(&app, EMAIL).await;
        let r = login_mfa(&app, &t, &auth.wrong_code()).await;
        json_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let t = mfa_token(&app, EMAIL).await;
    let (_, code) = auth.next_code().await;
    assert_tokens_for(&app, login_mfa(&app, &t, &code).await, EMAIL).await;
    app.stop().await;
}
both_backends!(
    right_password_not_a_failure,
    a_right_password_is_not_counted_as_a_failure
);

/// An administrator removes a person's second factors: `204`, the password alone signs in
/// again, the owner is mailed, the audit trail has `mfa_reset`; without the admin token, no.
async fn admin_reset_removes_second_factors(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let me: Value = get(&app, "/users/me", &token).await.json().await.unwrap();
    let id = me["id"].as_str().unwrap().to_owned();
    enrol(&app, &token).await;
    mfa_token(&app, EMAIL).await;

    let path = format!("/admin/users/{id}/mfa/reset");
    let r = app.http.post(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = post_json(&app, &path, Some("not-the-admin-token"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    mfa_token(&app, EMAIL).await; // still on

    let r = post_json(&app, &path, Some(ADMIN_TOKEN), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_tokens_for(&app, login(&app, EMAIL, PASSWORD).await, EMAIL).await;
    assert_eq!(
        mfa_status(&app, &token).await,
        json!({"totp": false, "passkeys": [], "recovery_codes_left": 0})
    );
    mail_titled(&app, EMAIL, "Your second factors were reset").await;
    let unknown = post_json(
        &app,
        "/admin/users/no-such-user/mfa/reset",
        Some(ADMIN_TOKEN),
        &json!({}),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let mut events = Vec::new();
    for _ in 0..100 {
        let r = get(&app, "/admin/audit?action=mfa_reset", ADMIN_TOKEN).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        events = body["events"].as_array().unwrap().clone();
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "mfa_reset");
    assert_eq!(events[0]["subject"], id.as_str());
    assert_eq!(events[0]["actor"], "admin_token");
    assert_eq!(events[0]["outcome"], "success");
    app.stop().await;
}
both_backends!(admin_reset, admin_reset_removes_second_factors);

/// ASVS 7.5.1: changing second factors needs a sign-in under 15 minutes old. The server's
/// clock is real, so the old sign-in is made by ageing the stored sign-in time of a refresh
/// token (as if the person signed in 20 minutes ago); the token refreshed from it carries
/// that `auth_time` and gets `401 insufficient_user_authentication` with `max_age`.
async fn changing_factors_needs_a_recent_sign_in(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let r = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let tokens: Value = r.json().await.unwrap();
    let fresh = tokens["access_token"].as_str().unwrap().to_owned();
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    app.database()
        .execute("UPDATE refresh_tokens SET auth_time = auth_time - 1200")
        .await;
    let r = app
        .post_form(
            "/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "tessera-account"),
                ("refresh_token", &rt),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let refreshed: Value = r.json().await.unwrap();
    let stale = refreshed["access_token"].as_str().unwrap().to_owned();

    // Reading is fine with the old sign-in; changing is not.
    assert_eq!(mfa_status(&app, &stale).await["totp"], false);
    for (path, body) in [
        ("/users/me/mfa/totp", json!({})),
        ("/users/me/mfa/totp/confirm", json!({"code": "123456"})),
        ("/users/me/mfa/recovery-codes", json!({"otp": "123456"})),
    ] {
        let r = post_json(&app, path, Some(&stale), &body).await;
        let challenge = r.headers()[WWW_AUTHENTICATE].to_str().unwrap().to_owned();
        json_error(
            r,
            StatusCode::UNAUTHORIZED,
            "insufficient_user_authentication",
        )
        .await;
        assert!(challenge.contains("max_age=900"), "{path}: {challenge}");
    }
    let r = delete_json(
        &app,
        "/users/me/mfa/totp",
        &stale,
        &json!({"otp": "123456"}),
    )
    .await;
    json_error(
        r,
        StatusCode::UNAUTHORIZED,
        "insufficient_user_authentication",
    )
    .await;

    // The fresh sign-in may.
    let r = post_json(&app, "/users/me/mfa/totp", Some(&fresh), &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}
both_backends!(fresh_sign_in, changing_factors_needs_a_recent_sign_in);

/// Every malformed request to the second-factor endpoints is a clean 4xx in the JSON error
/// shape, never a 500, and changes nothing.
async fn bad_input_is_refused_cleanly(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let long = "1".repeat(10 * 1024);

    // Before any enrolment.
    let r = post_json(
        &app,
        "/users/me/mfa/totp/confirm",
        Some(&token),
        &json!({"code": "123456"}),
    )
    .await;
    json_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = delete_json(
        &app,
        "/users/me/mfa/totp",
        &token,
        &json!({"otp": "123456"}),
    )
    .await;
    json_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = post_json(
        &app,
        "/users/me/mfa/recovery-codes",
        Some(&token),
        &json!({"otp": "123456"}),
    )
    .await;
    json_error(r, StatusCode::CONFLICT, "conflict").await;

    // Without a token.
    let r = app.http.get(app.url("/users/me/mfa")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = post_json(&app, "/users/me/mfa/totp", None, &json!({})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let (mut auth, _) = enrol(&app, &token).await;
    let r = post_json(&app, "/users/me/mfa/totp", Some(&token), &json!({})).await;
    json_error(r, StatusCode::CONFLICT, "conflict").await;
    let step = mfa_token(&app, EMAIL).await;

    let bad_bodies: Vec<(&str, &str, Value)> = vec![
        ("POST", "/users/login/mfa", json!({})),
        ("POST", "/users/login/mfa", json!({"mfa_token": step})),
        ("POST", "/users/login/mfa", json!({"otp": "123456"})),
        (
            "POST",
            "/users/login/mfa",
            json!({"mfa_token": 12, "otp": "123456"}),
        ),
        (
            "POST",
            "/users/login/mfa",
            json!({"mfa_token": step, "otp": 123456}),
        ),
        (
            "POST",
            "/users/login/mfa",
            json!({"mfa_token": step, "otp": long}),
        ),
        (
            "POST",
            "/users/login/mfa",
            json!({"mfa_token": "", "otp": "123456"}),
        ),
        ("POST", "/users/me/mfa/totp/confirm", json!({})),
        (
            "POST",
            "/users/me/mfa/totp/confirm",
            json!({"code": 123456}),
        ),
        ("POST", "/users/me/mfa/totp/confirm", json!({"code": null})),
        ("POST", "/users/me/mfa/recovery-codes", json!({})),
        (
            "POST",
            "/users/me/mfa/recovery-codes",
            json!({"otp": ["1"]}),
        ),
        ("POST", "/users/me/mfa/recovery-codes", json!({"otp": long})),
        ("DELETE", "/users/me/mfa/totp", json!({})),
        ("DELETE", "/users/me/mfa/totp", json!({"otp": true})),
        ("DELETE", "/users/me/mfa/totp", json!({"otp": long})),
        ("DELETE", "/users/me/mfa/totp", json!({"otp": ""})),
    ];
    for (method, path, body) in &bad_bodies {
        let req = match *method {
            "POST" => app.http.post(app.url(path)),
            _ => app.http.delete(app.url(path)),
        };
        let r = req.bearer_auth(&token).json(body).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}: {text}"
        );
        let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        assert_eq!(
            parsed["error"], "invalid_request",
            "{method} {path}: {text}"
        );
    }
    // Not JSON at all, or not declared as JSON.
    for (content_type, raw, expected) in [
        (
            "application/json",
            "{\"mfa_token\": ",
            StatusCode::BAD_REQUEST,
        ),
        ("application/json", "", StatusCode::BAD_REQUEST),
        (
            "application/x-www-form-urlencoded",
            "mfa_token=a&otp=123456",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("text/plain", "{}", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        let r = app
            .http
            .post(app.url("/users/login/mfa"))
            .header(CONTENT_TYPE, content_type)
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, expected, "{content_type} {raw:?}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    // A 10 KB code on the confirmation of an enrolment that is on already: a refusal too.
    let r = post_json(
        &app,
        "/users/me/mfa/totp/confirm",
        Some(&token),
        &json!({ "code": long }),
    )
    .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    // A JSON array is read positionally (serde's derive accepts sequences for structs): an
    // unknown step, refused cleanly.
    let r = post_json(
        &app,
        "/users/login/mfa",
        None,
        &json!(["no-such-step-token", "123456"]),
    )
    .await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    // An unknown mfa_token.
    let r = login_mfa(&app, "no-such-step-token", "123456").await;
    json_error(r, StatusCode::UNAUTHORIZED, "invalid_grant").await;

    // Nothing changed: TOTP on, ten codes, and the step taken above still finishes.
    assert_eq!(
        mfa_status(&app, &token).await,
        json!({"totp": true, "passkeys": [], "recovery_codes_left": 10})
    );
    let (_, code) = auth.next_code().await;
    assert_tokens_for(&app, login_mfa(&app, &step, &code).await, EMAIL).await;
    app.stop().await;
}
both_backends!(bad_input, bad_input_is_refused_cleanly);

/// Discovery tells relying parties which levels and claims there are.
async fn discovery_lists_acr_values_and_amr(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let r = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let meta: Value = r.json().await.unwrap();
    let list = |name: &str| -> Vec<String> {
        meta[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {meta}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let acr = list("acr_values_supported");
    assert!(
        acr.contains(&"mfa".to_owned()) && acr.contains(&"phr".to_owned()),
        "{acr:?}"
    );
    let claims = list("claims_supported");
    assert!(
        claims.contains(&"amr".to_owned()) && claims.contains(&"acr".to_owned()),
        "{claims:?}"
    );
    app.stop().await;
}
both_backends!(discovery, discovery_lists_acr_values_and_amr);
