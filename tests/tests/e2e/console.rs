//! The operators' console in a real browser, on both backends: a person holding the `admin`
//! role (granted through `tessera user grant-admin`'s code path) signs in on the account page,
//! opens `/console` and continues as themselves, creates a confidential client with a redirect
//! URI through the form and reads its secret, shown once; that client then completes a real
//! authorization-code sign-in (PKCE, consent, the code redeemed with the secret), and the
//! audit log page shows the client's creation by that operator. Also over plain HTTP: the
//! admin token signs in, a wrong one is refused and spends the failure budget, a person
//! without the role gets 403, and a form without its CSRF token is refused.
//!
//! Needs `chromium` and `chromedriver`, like `browser_sign_in`.

use std::collections::BTreeMap;

use crate::support::browser::{Browser, Form};
use crate::support::chromium::{
    save_screenshot, screenshot_dir, step, visible_text, wait_for_url, BrowserTools, ChromeDriver,
    STEP,
};
use crate::support::relying_party::{id_token_claims, Authorization, StubRelyingParty};
use crate::support::{test_config, Creds, TestApp};
use fantoccini::{Client, Locator};
use secrecy::SecretString;
use tessera_server::cli::UserCommand;
use tessera_server::config::Budget;
use tessera_tests::{both_backends, Backend, TestDatabase};

const EMAIL: &str = "operator@example.com";
const PASSWORD: &str = "correct horse battery staple";
const ADMIN_TOKEN: &str = "console-admin-token-0123456789abcdef";
const SCOPE: &str = "openid profile email";

/// A server with an admin token (wrong ones budgeted `burst` per address) and a verified
/// person holding `admin`.
async fn console_app(db: TestDatabase, burst: u32) -> TestApp {
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    config.rate_limit.admin_auth_failures = Budget::new(burst, 3600);
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, Some("Olga Operator"))
        .await;
    let granted = tessera_server::commands::user::run(
        &app.config,
        UserCommand::GrantAdmin {
            email: EMAIL.to_owned(),
        },
    )
    .await
    .expect("grant-admin");
    assert_eq!(granted["roles"], serde_json::json!(["admin"]));
    app
}

/// Clicks the element `css`.
async fn click(browser: &Client, what: &str, css: &str) {
    let el = step(
        what,
        browser.wait().at_most(STEP).for_element(Locator::Css(css)),
    )
    .await;
    step(what, el.click()).await;
}

/// Types `text` into the field `css`.
async fn type_into(browser: &Client, css: &str, text: &str) {
    let el = step(
        css,
        browser.wait().at_most(STEP).for_element(Locator::Css(css)),
    )
    .await;
    step("clear", el.clear()).await;
    step("type", el.send_keys(text)).await;
}

async fn an_admin_creates_a_client_in_the_console_that_then_signs_someone_in(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("console browser test") else {
        return;
    };
    let backend = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let app = console_app(db, 20).await;
    let rp = StubRelyingParty::start().await;
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    let shots = screenshot_dir();

    // The operator signs in on the account page, then continues into the console.
    step("open /account", browser.goto(&app.url("/account"))).await;
    type_into(&browser, "input[name='email']", EMAIL).await;
    type_into(&browser, "input[name='password']", PASSWORD).await;
    let submit = step(
        "the sign-in button",
        browser.find(Locator::XPath(
            "//input[@name='password']/ancestor::form//button[@type='submit']",
        )),
    )
    .await;
    step("sign in", submit.click()).await;
    step(
        "the account page",
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css("input[name='csrf_token']")),
    )
    .await;
    step("open /console", browser.goto(&app.url("/console"))).await;
    let cont = visible_text(&browser, "#console-continue").await;
    assert!(cont.contains(EMAIL), "{cont}");
    click(&browser, "continue as the operator", "#console-continue").await;
    step(
        "the dashboard",
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css("svg[role='img']")),
    )
    .await;
    save_screenshot(
        &browser,
        &shots.join(format!("console-dashboard-{backend}.png")),
    )
    .await;

    // A confidential client with the relying party's redirect URI, through the form.
    step(
        "open the clients",
        browser.goto(&app.url("/console/clients")),
    )
    .await;
    type_into(&browser, "#name", "Console <Client>").await;
    type_into(&browser, "#redirect_uris", &rp.callback()).await;
    type_into(&browser, "#scope", SCOPE).await;
    type_into(&browser, "#grants", "authorization_code").await;
    click(&browser, "create the client", "#create-client").await;
    step(
        "the secret, shown once",
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css("#client-secret")),
    )
    .await;
    let creds = Creds {
        id: visible_text(&browser, "#client-id").await,
        secret: visible_text(&browser, "#client-secret").await,
    };
    assert!(creds.secret.len() >= 43, "a 256-bit secret");
    save_screenshot(
        &browser,
        &shots.join(format!("console-client-{backend}.png")),
    )
    .await;
    // Shown once: the client's page never shows it again.
    step(
        "the client's page",
        browser.goto(&app.url(&format!("/console/clients/{}", creds.id))),
    )
    .await;
    let page = visible_text(&browser, "body").await;
    assert!(!page.contains(&creds.secret));

    // The new client signs the operator in for real (the browser session is theirs).
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    step("open the authorize URL", browser.goto(&request.url)).await;
    click(&browser, "Allow", "button[name='decision'][value='allow']").await;
    wait_for_url(&browser, &rp.callback()).await;
    let query = rp.wait_for_callback().await;
    let params: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap();
    let code = params.get("code").expect("a code").clone();
    let tokens = request.redeem(&app, &creds, &rp.callback(), &code).await;
    let claims = id_token_claims(&tokens);
    assert_eq!(claims["aud"], creds.id.as_str());

    // The audit log names the operator as the one who made the client.
    step(
        "the audit log",
        browser.goto(&app.url("/console/audit?action=admin_action")),
    )
    .await;
    let log = visible_text(&browser, "#audit-events").await;
    let creation = log
        .split("admin_action")
        .find(|e| e.contains("clients.create") && e.contains(&creds.id))
        .unwrap_or_else(|| panic!("the creation in {log}"));
    let operator = app
        .database()
        .migrated()
        .await
        .users()
        .find_by_email(&tessera_domain::Email::parse(EMAIL).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        creation.contains(operator.id.as_str()),
        "by the operator: {creation}"
    );
    save_screenshot(
        &browser,
        &shots.join(format!("console-audit-{backend}.png")),
    )
    .await;

    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    drop(rp);
    app.stop().await;
}
both_backends!(
    console_in_the_browser,
    an_admin_creates_a_client_in_the_console_that_then_signs_someone_in
);

/// The sign-in page's form, read from `/console`.
async fn sign_in_form(browser: &mut Browser, app: &TestApp) -> Form {
    let page = browser.get(&app.url("/console")).await;
    assert_eq!(page.status, 200);
    page.form()
}

async fn token_sign_in_is_budgeted_and_forms_need_csrf(db: TestDatabase) {
    let app = console_app(db, 2).await;
    let mut browser = Browser::new();

    // A wrong token: refused, no console cookie.
    let mut form = sign_in_form(&mut browser, &app).await;
    form.set("action", "token").set("admin_token", "guess");
    let page = browser.post(&app.url("/console/sign-in"), &form).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("role=\"alert\""));
    assert!(!browser.cookies.contains_key("tessera_console"));

    // The right one: the console opens on its own cookie.
    form.set("admin_token", ADMIN_TOKEN);
    let page = browser.post(&app.url("/console/sign-in"), &form).await;
    assert_eq!(page.status, 303);
    assert!(browser.cookies.contains_key("tessera_console"));
    let page = browser.get(&app.url("/console/clients")).await;
    assert_eq!(page.status, 200);

    // A console form without its CSRF token does nothing.
    let mut rotate = Form::default();
    rotate.set("action", "rotate");
    let page = browser.post(&app.url("/console/keys"), &rotate).await;
    assert_eq!(page.status, 403);

    // Two more wrong tokens from this address use the budget up: even the right one is 429.
    let mut other = Browser::new();
    let mut form = sign_in_form(&mut other, &app).await;
    form.set("action", "token")
        .set("admin_token", "guess again");
    let page = other.post(&app.url("/console/sign-in"), &form).await;
    assert_eq!(page.status, 401);
    form.set("admin_token", ADMIN_TOKEN);
    let page = other.post(&app.url("/console/sign-in"), &form).await;
    assert_eq!(page.status, 429);
    app.stop().await;
}
both_backends!(
    console_token_sign_in,
    token_sign_in_is_budgeted_and_forms_need_csrf
);
