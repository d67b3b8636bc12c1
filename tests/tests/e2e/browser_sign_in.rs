//! A real browser signs in: headless Chromium, driven over WebDriver (chromedriver + the
//! `fantoccini` crate), goes through the login page, the consent page and the redirect to a stub
//! relying party listening on a local port; the code it receives is then exchanged for tokens.
//! Screenshots of the login and consent pages are left in `target/screenshots/` (under
//! `$CARGO_TARGET_DIR` when set) for people to look at. Both backends.
//!
//! Needs `chromium` and `chromedriver` (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs). Without them the test says SKIPPED loudly and passes, unless `CI` or
//! `TESSERA_REQUIRE_BROWSER` is set, in which case it fails. Every wait is bounded, and every
//! process the test starts is killed when it ends, panics included.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use crate::support::chromium::{
    save_screenshot, screenshot_dir, step, visible_text, wait_for_url, BrowserTools, ChromeDriver,
    STEP,
};
use crate::support::relying_party::{id_token_claims, Authorization, StubRelyingParty};
use crate::support::TestApp;
use fantoccini::Locator;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, Backend, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// Markup in the name: the pages must show it as text.
const CLIENT_NAME: &str = "Notes <App>";
const SCOPE: &str = "openid profile email";

async fn chromium_signs_in_through_login_consent_and_callback(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("browser sign-in test") else {
        return;
    };
    let backend = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let started = Instant::now();
    let app = sign_in_app(db).await;
    let rp = StubRelyingParty::start().await;
    let creds = app
        .register(NewClient {
            name: CLIENT_NAME.into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![rp.callback()],
            scope: SCOPE.into(),
            ..NewClient::default()
        })
        .await;

    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let (state, nonce) = (&request.state, &request.nonce);

    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    let shots = screenshot_dir();

    // The login page.
    step("open the authorize URL", browser.goto(&request.url)).await;
    let email = step(
        "the login page's email field",
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css("input[name='email']")),
    )
    .await;
    let lead = visible_text(&browser, "p.lead").await;
    assert_eq!(lead, format!("Sign in to continue to {CLIENT_NAME}"));
    step("type the email", email.send_keys(EMAIL)).await;
    let password = step(
        "the password field",
        browser.find(Locator::Css("input[name='password']")),
    )
    .await;
    step("type the password", password.send_keys(PASSWORD)).await;
    save_screenshot(&browser, &shots.join(format!("login-{backend}.png"))).await;
    let sign_in = step(
        "the Sign in button",
        browser.find(Locator::XPath("//button[normalize-space()='Sign in']")),
    )
    .await;
    step("click Sign in", sign_in.click()).await;

    // The consent page.
    let allow = step(
        "the consent page's Allow button",
        browser
            .wait()
            .at_most(STEP)
            .for_element(Locator::Css("button[name='decision'][value='allow']")),
    )
    .await;
    assert_eq!(
        visible_text(&browser, "p.lead").await,
        format!("{CLIENT_NAME} wants to:")
    );
    let scopes = visible_text(&browser, "ul.scopes").await;
    for wording in [
        "Confirm who you are (your account identifier)",
        "See your name",
        "See your email address and whether it is verified",
    ] {
        assert!(scopes.contains(wording), "{wording:?} in {scopes:?}");
    }
    let body = visible_text(&browser, "body").await;
    assert!(body.contains(&format!("Signed in as {EMAIL}")), "{body}");
    save_screenshot(&browser, &shots.join(format!("consent-{backend}.png"))).await;
    step("click Allow", allow.click()).await;

    // The callback, in the browser and at the relying party.
    let landed = wait_for_url(&browser, &rp.callback()).await;
    let query = rp.wait_for_callback().await;
    assert_eq!(
        landed.split_once('?').map(|(_, q)| q),
        Some(query.as_str()),
        "the browser is on the callback the relying party answered"
    );
    let params: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap();
    let code = params.get("code").expect("code in the callback").clone();
    assert!(!code.is_empty());
    assert_eq!(params.get("state"), Some(state), "state comes back");
    assert_eq!(params.get("iss"), Some(&app.base), "RFC 9207 iss");
    assert!(!params.contains_key("error"), "{params:?}");
    assert_eq!(
        visible_text(&browser, "#code").await,
        code,
        "the stub page shows it"
    );

    step("end the WebDriver session", browser.close()).await;
    drop(driver);

    // The relying party's back channel: the code and the verifier for tokens.
    let tokens = request.redeem(&app, &creds, &rp.callback(), &code).await;
    let claims = id_token_claims(&tokens);
    assert_eq!(claims["iss"], app.base.as_str());
    assert_eq!(claims["aud"], creds.id.as_str());
    assert_eq!(claims["nonce"], nonce.as_str());
    let mut granted: Vec<&str> = tokens["scope"].as_str().unwrap().split(' ').collect();
    granted.sort_unstable();
    assert_eq!(granted, ["email", "openid", "profile"], "scope granted");

    drop(rp);
    app.stop().await;
    let _ = writeln!(
        std::io::stderr(),
        "browser sign-in on {backend}: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}
both_backends!(
    chromium_sign_in,
    chromium_signs_in_through_login_consent_and_callback
);

/// Starts Tessera on a free port with a verified user and cheap password hashing.
async fn sign_in_app(db: TestDatabase) -> TestApp {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    app
}
