//! The pages for people who forgot their password or have no account yet (`/forgot-password`,
//! `/signup`) and the notice for an unverified address, end to end: headless Chromium starts at
//! a relying party's `/authorize`, follows the login page's links, reads the mail from the file
//! outbox, uses the link, follows "Continue" back to the authorization request, signs in, and
//! the relying party redeems the code it gets. The refusals (CSRF, a foreign `return_to`,
//! self-service off, `accounts.require_verified_email`) are checked over plain HTTP. Both
//! backends.

use std::collections::BTreeMap;

use crate::support::browser::{Browser, Form};
use crate::support::chromium::{
    step, visible_text, wait_for_url, BrowserTools, ChromeDriver, STEP,
};
use crate::support::relying_party::{Authorization, StubRelyingParty};
use crate::support::{test_config, Creds, Mail, TestApp};
use fantoccini::{Client, Locator};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a completely different passphrase";
const SCOPE: &str = "openid email";

/// The absolute link to `path` in `mail` (with whatever query it carries).
fn link_in(mail: &Mail, app: &TestApp, path: &str) -> String {
    let prefix = app.url(path);
    let start = mail.body.find(&prefix).expect("a link in the mail");
    mail.body[start..]
        .split_whitespace()
        .next()
        .expect("the link")
        .to_owned()
}

/// A client of the stub relying party that asks for consent.
async fn client(app: &TestApp, rp: &StubRelyingParty) -> Creds {
    app.register(NewClient {
        name: "Notes".into(),
        grants: vec!["authorization_code".into()],
        redirect_uris: vec![rp.callback()],
        scope: SCOPE.into(),
        ..NewClient::default()
    })
    .await
}

async fn wait_for(browser: &Client, what: &str, css: &str) -> fantoccini::elements::Element {
    step(
        what,
        browser.wait().at_most(STEP).for_element(Locator::Css(css)),
    )
    .await
}

/// Waits until the page's heading contains `text` (the page after a click may still be loading).
async fn wait_for_heading(browser: &Client, text: &str) {
    let deadline = std::time::Instant::now() + STEP;
    loop {
        if let Ok(h1) = browser.find(Locator::Css("h1")).await {
            if h1.text().await.is_ok_and(|t| t.contains(text)) {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no heading with {text:?} on {:?}",
            browser.current_url().await.map(|u| u.to_string())
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn type_into(browser: &Client, name: &str, text: &str) {
    let field = wait_for(browser, name, &format!("input[name='{name}']")).await;
    step(&format!("type into {name}"), field.send_keys(text)).await;
}

async fn click_link(browser: &Client, text: &str) {
    let link = step(
        text,
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::LinkText(text)),
    )
    .await;
    step(&format!("click {text}"), link.click()).await;
}

async fn submit(browser: &Client) {
    let button = step(
        "the submit button",
        browser.find(Locator::Css("form button[type='submit']")),
    )
    .await;
    step("submit", button.click()).await;
}

/// From the login page (already open): sign in, allow on the consent page, and return the
/// code the relying party received.
async fn sign_in_and_allow(browser: &Client, rp: &StubRelyingParty, password: &str) -> String {
    type_into(browser, "email", EMAIL).await;
    type_into(browser, "password", password).await;
    submit(browser).await;
    let allow = wait_for(
        browser,
        "the consent page's Allow button",
        "button[name='decision'][value='allow']",
    )
    .await;
    step("click Allow", allow.click()).await;
    wait_for_url(browser, &rp.callback()).await;
    let query = rp.wait_for_callback().await;
    let params: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap();
    assert!(!params.contains_key("error"), "{params:?}");
    params.get("code").expect("a code").clone()
}

async fn forgot_password_leads_back_to_the_authorization(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("forgot-password browser test") else {
        return;
    };
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let rp = StubRelyingParty::start().await;
    let creds = client(&app, &rp).await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;

    step("open the authorize URL", browser.goto(&request.url)).await;
    click_link(&browser, "Forgot your password?").await;
    wait_for_url(&browser, &app.url("/forgot-password?return_to=")).await;
    type_into(&browser, "email", EMAIL).await;
    submit(&browser).await;
    let notice = wait_for(&browser, "the notice", "p.notice").await;
    assert!(step("notice", notice.text())
        .await
        .contains("If an account exists for that address, we sent a link"));

    let mail = app.mail_to(EMAIL, 1).await;
    let link = link_in(&mail[0], &app, "/users/password-reset/confirm");
    assert!(link.contains("return_to=%2Fauthorize%3F"), "{link}");
    step("open the reset link", browser.goto(&link)).await;
    type_into(&browser, "password", NEW_PASSWORD).await;
    submit(&browser).await;
    wait_for_heading(&browser, "Password changed").await;
    click_link(&browser, "Continue").await;
    wait_for_url(&browser, &app.url("/authorize?")).await;

    let code = sign_in_and_allow(&browser, &rp, NEW_PASSWORD).await;
    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    let tokens = request.redeem(&app, &creds, &rp.callback(), &code).await;
    assert!(tokens["access_token"].is_string());
    app.stop().await;
}
both_backends!(
    chromium_forgot_password,
    forgot_password_leads_back_to_the_authorization
);

async fn signing_up_leads_back_to_the_authorization(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("sign-up browser test") else {
        return;
    };
    let app = TestApp::spawn(db).await;
    let rp = StubRelyingParty::start().await;
    let creds = client(&app, &rp).await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;

    step("open the authorize URL", browser.goto(&request.url)).await;
    click_link(&browser, "Create an account").await;
    wait_for_url(&browser, &app.url("/signup?return_to=")).await;
    type_into(&browser, "email", EMAIL).await;
    type_into(&browser, "password", PASSWORD).await;
    type_into(&browser, "name", "Ada Lovelace").await;
    submit(&browser).await;
    wait_for_heading(&browser, "Check your inbox").await;

    let mail = app.mail_to(EMAIL, 1).await;
    let link = link_in(&mail[0], &app, "/users/verify-email");
    assert!(link.contains("return_to=%2Fauthorize%3F"), "{link}");
    step("open the verification link", browser.goto(&link)).await;
    submit(&browser).await;
    wait_for_heading(&browser, "confirmed").await;
    click_link(&browser, "Continue").await;
    wait_for_url(&browser, &app.url("/authorize?")).await;

    let code = sign_in_and_allow(&browser, &rp, PASSWORD).await;
    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    let tokens = request.redeem(&app, &creds, &rp.callback(), &code).await;
    assert!(tokens["id_token"].is_string());
    app.stop().await;
}
both_backends!(chromium_sign_up, signing_up_leads_back_to_the_authorization);

/// Registers `EMAIL` unverified through the JSON account API (its first verification mail).
async fn register_unverified(app: &TestApp) {
    let res = app
        .http
        .post(app.url("/users/register"))
        .json(&serde_json::json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.mail_to(EMAIL, 1).await;
}

async fn require_verified_email_stops_at_the_notice_and_resends(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("unverified-address browser test") else {
        return;
    };
    let mut config = test_config(db.url());
    config.accounts.require_verified_email = true;
    let app = TestApp::spawn_with(db, config).await;
    register_unverified(&app).await;
    let rp = StubRelyingParty::start().await;
    let creds = client(&app, &rp).await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;

    step("open the authorize URL", browser.goto(&request.url)).await;
    type_into(&browser, "email", EMAIL).await;
    type_into(&browser, "password", PASSWORD).await;
    submit(&browser).await;
    let resend = wait_for(
        &browser,
        "the resend button",
        "input[name='action'][value='resend_verification']",
    )
    .await;
    drop(resend);
    assert_eq!(
        visible_text(&browser, "h1").await,
        "Confirm your email address"
    );
    assert!(
        browser
            .find(Locator::Css("input[name='action'][value='continue']"))
            .await
            .is_err(),
        "no way past the notice"
    );
    assert_eq!(rp.callbacks(), 0, "no code");
    let button = step(
        "Resend the verification mail",
        browser.find(Locator::XPath(
            "//button[normalize-space()='Resend the verification mail']",
        )),
    )
    .await;
    step("click resend", button.click()).await;
    let notice = wait_for(&browser, "the resent notice", "p.notice").await;
    assert!(step("notice", notice.text()).await.contains("new link"));
    let mails = app.mail_to(EMAIL, 2).await;
    let link = link_in(&mails[1], &app, "/users/verify-email");
    assert!(link.contains("return_to=%2Fauthorize%3F"), "{link}");

    // The new link verifies; back at the authorization, the consent page comes.
    step("open the verification link", browser.goto(&link)).await;
    submit(&browser).await;
    // Wait for the confirmation page itself: a link looked up while the form's navigation is
    // still under way is "aborted by navigation".
    wait_for_heading(&browser, "confirmed").await;
    click_link(&browser, "Continue").await;
    let allow = wait_for(
        &browser,
        "the consent page's Allow button",
        "button[name='decision'][value='allow']",
    )
    .await;
    step("click Allow", allow.click()).await;
    wait_for_url(&browser, &rp.callback()).await;
    assert_eq!(rp.callbacks(), 1);
    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    app.stop().await;
}
both_backends!(
    chromium_require_verified_email,
    require_verified_email_stops_at_the_notice_and_resends
);

/// The forms' CSRF token (and cookie) from a GET of `path`.
async fn form_of(browser: &mut Browser, app: &TestApp, path: &str) -> Form {
    let page = browser.get(&app.url(path)).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    page.form()
}

async fn people_pages_refuse_what_they_must(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let mut browser = Browser::new();

    // A foreign return_to is dropped: no hidden field, no link to it.
    for path in ["/forgot-password", "/signup"] {
        let page = browser
            .get(&app.url(&format!("{path}?return_to=https%3A%2F%2Fevil.example%2Fx")))
            .await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("evil.example"), "{path}");
        assert!(page.form().get("return_to").is_none());
        let page = browser
            .get(&app.url(&format!("{path}?return_to=%2Fauthorize%3Fclient_id%3Dx")))
            .await;
        assert_eq!(page.form().get("return_to"), Some("/authorize?client_id=x"));
    }

    // No CSRF token, or another browser's: refused before any work.
    for path in ["/forgot-password", "/signup"] {
        let mut form = form_of(&mut browser, &app, path).await;
        form.set("email", "new@example.com")
            .set("password", PASSWORD);
        let mut stranger = Browser::new();
        let page = stranger.post(&app.url(path), &form).await;
        assert_eq!(
            page.status, 403,
            "{path}: a token without its browser's cookie"
        );
        form.set("csrf_token", "forged");
        let page = browser.post(&app.url(path), &form).await;
        assert_eq!(page.status, 403, "{path}: a forged token");
    }

    // The same answer for an account and no account; only the account gets mail.
    for email in [EMAIL, "nobody@example.com"] {
        let mut form = form_of(&mut browser, &app, "/forgot-password").await;
        form.set("email", email);
        let page = browser.post(&app.url("/forgot-password"), &form).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("If an account exists for that address"));
    }
    app.mail_to(EMAIL, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.outbox().iter().all(|m| !m.to.contains("nobody")));

    // Sign-up: a new and a taken address get the same page; a weak password is refused on
    // its field.
    let mut form = form_of(&mut browser, &app, "/signup").await;
    form.set("email", "new@example.com")
        .set("password", "short");
    let page = browser.post(&app.url("/signup"), &form).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(page.body.contains("id=\"password-error\""));
    let mut pages = Vec::new();
    for email in ["new@example.com", EMAIL] {
        let mut form = form_of(&mut browser, &app, "/signup").await;
        form.set("email", email).set("password", PASSWORD);
        let page = browser.post(&app.url("/signup"), &form).await;
        assert_eq!(page.status, 200);
        pages.push(page.body.replace(email, "ADDRESS"));
    }
    assert_eq!(pages[0], pages[1], "ASVS 6.3.8: one page for both");
    let owner = app.mail_to(EMAIL, 2).await;
    assert!(owner
        .iter()
        .any(|m| m.subject.contains("tried to register")));
    app.stop().await;
}
both_backends!(people_pages_refusals, people_pages_refuse_what_they_must);

async fn self_service_off_hides_and_refuses_sign_up(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.accounts.self_service = false;
    let app = TestApp::spawn_with(db, config).await;
    let mut browser = Browser::new();
    for page in [
        browser.get(&app.url("/signup")).await,
        browser.post(&app.url("/signup"), &Form::default()).await,
    ] {
        assert_eq!(page.status, 404);
        assert!(page.body.contains("<html"), "the error page");
    }
    let res = app
        .http
        .post(app.url("/users/register"))
        .json(&serde_json::json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "access_denied");
    assert!(body["error_description"].is_string());

    // The login page keeps "Forgot your password?" and has no "Create an account".
    let rp = StubRelyingParty::start().await;
    let creds = client(&app, &rp).await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let page = browser.get(&request.url).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("href=\"/forgot-password?return_to=%2Fauthorize%3F"));
    assert!(!page.body.contains("/signup"));
    app.stop().await;
}
both_backends!(self_service_off, self_service_off_hides_and_refuses_sign_up);

async fn require_verified_email_refuses_account_api_tokens(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.accounts.require_verified_email = true;
    let app = TestApp::spawn_with(db, config).await;
    register_unverified(&app).await;
    let login = || {
        app.http
            .post(app.url("/users/login"))
            .json(&serde_json::json!({"email": EMAIL, "password": PASSWORD}))
            .send()
    };
    let res = login().await.unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "access_denied");
    // Verified, the same login gets tokens.
    let mail = app.mail_to(EMAIL, 1).await;
    let token = mail[0].link_token("/users/verify-email");
    let res = app
        .http
        .post(app.url("/users/verify-email"))
        .json(&serde_json::json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(login().await.unwrap().status(), 200);
    app.stop().await;
}
both_backends!(
    require_verified_email_api,
    require_verified_email_refuses_account_api_tokens
);
