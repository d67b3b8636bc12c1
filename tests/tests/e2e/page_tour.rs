//! The page tour: a real Chromium walks through every page a person sees, in the order a
//! person meets them, photographs each at phone size (390 × 844) and desktop size
//! (1280 × 800) into `target/screenshots/<page>-<phone|desktop>.png` under the workspace, and
//! runs axe-core on each in the light and the dark colour scheme. A serious or critical
//! violation fails the test; every violation is written to `target/screenshots/accessibility.md`.
//!
//! The tour is a list of [`Stop`]s, one page each; a stop starts from where the previous one
//! left the browser. A stop that fails is reported and the tour goes on, so one broken page
//! does not hide the others; the test fails at the end. SQLite takes the whole tour with the
//! photographs; PostgreSQL the sign-in, consent, sign-out and account stops (the pages are the
//! same, the stores behind them differ), without photographs.

use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use fantoccini::Client;
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, Backend, TestDatabase};

use crate::support::accessibility::{audit, count_by_impact, inline_styles, Violation, IMPACTS};
use crate::support::chromium::{cdp, BrowserTools, ChromeDriver};
use crate::support::relying_party::{Authorization, StubRelyingParty};
use crate::support::screens::{
    full_page_screenshot, tour_dir, use_dark_scheme, use_screen, DESKTOP, PHONE,
};
use crate::support::totp::{account_token, enrol, Authenticator};
use crate::support::tour::{click_through, exists, fill, open, text_of, wait_css};
use crate::support::{test_config, Creds, TestApp};
use secrecy::SecretString;

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "another correct horse battery";
/// Signs in with a password only.
const ADA: &str = "ada@example.com";
/// Has an authenticator app (TOTP).
const BOB: &str = "bob@example.com";
/// Uses the account page.
const CAROL: &str = "carol@example.com";
/// Registers through the JSON API and follows the mailed links.
const ERIN: &str = "erin@example.com";
/// Signs up on the sign-up page.
const FRANK: &str = "frank@example.com";
const ADMIN_TOKEN: &str = "tour-admin-token-0123456789abcdef-0123";
/// Markup in the name: the pages must show it as text.
const CLIENT_NAME: &str = "Notes <App>";
const SCOPE: &str = "openid profile email offline_access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Everything the stops share.
struct Tour {
    app: TestApp,
    browser: Client,
    rp: StubRelyingParty,
    client: Creds,
    device: Creds,
    bob: tokio::sync::Mutex<Authenticator>,
    user_code: Mutex<String>,
}

type StopFn = fn(Arc<Tour>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// One page of the tour: its name (the screenshots' file names), whether the PostgreSQL run
/// visits it too, and how to get there from the previous stop.
struct Stop {
    name: &'static str,
    on_postgres: bool,
    go: StopFn,
}

macro_rules! stop {
    ($name:literal, $pg:literal, $f:ident) => {
        Stop {
            name: $name,
            on_postgres: $pg,
            go: |t| Box::pin($f(t)),
        }
    };
}

/// The tour, in order.
fn stops() -> Vec<Stop> {
    vec![
        stop!("login", true, login),
        stop!("login-error", true, login_error),
        stop!("second-factor", true, second_factor),
        stop!("consent", true, consent),
        stop!("form-post", false, form_post),
        stop!("error", false, error_page),
        stop!("logout", true, logout),
        stop!("signed-out", true, signed_out),
        stop!("device-code", false, device_code),
        stop!("device-login", false, device_login),
        stop!("device-consent", false, device_consent),
        stop!("device-done", false, device_done),
        stop!("account-sign-in", true, account_sign_in),
        stop!("account", true, account),
        stop!("account-totp", false, account_totp),
        stop!("account-recovery-codes", false, account_recovery_codes),
        stop!("verify-email", false, verify_email),
        stop!("email-verified", false, email_verified),
        stop!("reset-password", false, reset_password),
        stop!("reset-password-error", false, reset_password_error),
        stop!("password-changed", false, password_changed),
        stop!("forgot-password", false, forgot_password),
        stop!("forgot-password-sent", false, forgot_password_sent),
        stop!("signup", false, signup),
        stop!("signup-check-inbox", false, signup_check_inbox),
        stop!("console-sign-in", false, console_sign_in),
        stop!("console", false, console_dashboard),
        stop!("console-clients", false, console_clients),
        stop!("console-users", false, console_users),
        stop!("console-keys", false, console_keys),
        stop!("console-api-keys", false, console_api_keys),
        stop!("console-resources", false, console_resources),
        stop!("console-audit", false, console_audit),
    ]
}

// ---- The stops -------------------------------------------------------------------------------

/// A fresh authorization request from the stub relying party.
fn authorize_url(t: &Tour, extra: &[(&str, &str)]) -> String {
    Authorization::new(&t.app, &t.client.id, &t.rp.callback(), SCOPE, extra).url
}

async fn forget_everything(t: &Tour) {
    t.browser
        .delete_all_cookies()
        .await
        .expect("cookies deleted");
}

async fn login(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(&t.browser, &authorize_url(&t, &[]), "input[name='email']").await;
}

async fn login_error(t: Arc<Tour>) {
    fill(&t.browser, "input[name='email']", ADA).await;
    fill(&t.browser, "input[name='password']", "not the password").await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "[role='alert']").await;
}

async fn second_factor(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(&t.browser, &authorize_url(&t, &[]), "input[name='email']").await;
    fill(&t.browser, "input[name='email']", BOB).await;
    fill(&t.browser, "input[name='password']", PASSWORD).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "input[name='otp']").await;
}

async fn consent(t: Arc<Tour>) {
    let (_, code) = t.bob.lock().await.next_code().await;
    fill(&t.browser, "input[name='otp']", &code).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "button[name='decision'][value='allow']").await;
}

async fn form_post(t: Arc<Tour>) {
    click_through(&t.browser, "button[name='decision'][value='allow']").await;
    // The form_post page submits itself with its one script: load it with scripts off, then
    // turn them back on (the page's script does not run again) for axe and the screenshots.
    let scripts = |off: bool| {
        cdp(
            &t.browser,
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": off }),
        )
    };
    scripts(true).await;
    let url = authorize_url(&t, &[("response_mode", "form_post")]);
    let loaded = t.browser.goto(&url).await;
    scripts(false).await;
    loaded.expect("the form_post page loads");
    wait_css(&t.browser, "form[method='post'] input[name='code']").await;
}

async fn error_page(t: Arc<Tour>) {
    let url = t.app.url(
        "/authorize?response_type=code&client_id=no-such-client&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb",
    );
    open(&t.browser, &url, "main h1").await;
}

async fn logout(t: Arc<Tour>) {
    open(
        &t.browser,
        &t.app.url("/logout"),
        "button[name='confirm'], form button",
    )
    .await;
}

async fn signed_out(t: Arc<Tour>) {
    click_through(&t.browser, "form button").await;
    wait_css(&t.browser, "main h1").await;
}

async fn device_code(t: Arc<Tour>) {
    let res = t
        .app
        .post_form(
            "/device_authorization",
            None,
            &[("client_id", &t.device.id), ("scope", "openid email")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    *t.user_code.lock().unwrap() = body["user_code"].as_str().unwrap().to_owned();
    forget_everything(&t).await;
    open(&t.browser, &t.app.url("/device"), "input[name='user_code']").await;
}

async fn device_login(t: Arc<Tour>) {
    let code = t.user_code.lock().unwrap().clone();
    fill(&t.browser, "input[name='user_code']", &code).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "input[name='password']").await;
}

async fn device_consent(t: Arc<Tour>) {
    fill(&t.browser, "input[name='email']", ADA).await;
    fill(&t.browser, "input[name='password']", PASSWORD).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "button[name='decision'][value='allow']").await;
}

async fn device_done(t: Arc<Tour>) {
    click_through(&t.browser, "button[name='decision'][value='allow']").await;
    wait_css(&t.browser, "main h1").await;
    assert!(!exists(&t.browser, "button[name='decision']").await);
}

async fn account_sign_in(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(&t.browser, &t.app.url("/account"), "input[name='password']").await;
}

async fn account(t: Arc<Tour>) {
    fill(&t.browser, "input[name='email']", CAROL).await;
    fill(&t.browser, "input[name='password']", PASSWORD).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "input[name='action'][value='totp_begin']").await;
}

async fn account_totp(t: Arc<Tour>) {
    click_through(
        &t.browser,
        "form:has(input[name='action'][value='totp_begin']) button",
    )
    .await;
    wait_css(&t.browser, "#totp-secret").await;
}

async fn account_recovery_codes(t: Arc<Tour>) {
    let secret = text_of(&t.browser, "#totp-secret").await;
    let mut auth = Authenticator::from_base32(&secret);
    let (_, code) = auth.next_code().await;
    fill(&t.browser, "input[name='code']", &code).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "ul.codes code").await;
}

/// The link to `path` in the latest mail to `to` whose subject contains `subject`.
async fn mailed_link(t: &Tour, to: &str, subject: &str, path: &str, count: usize) -> String {
    let mails = t.app.mail_to(to, count).await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.subject.contains(subject))
        .unwrap_or_else(|| panic!("a mail about {subject:?} to {to}: {mails:?}"));
    t.app
        .url(&format!("{path}?token={}", mail.link_token(path)))
}

async fn verify_email(t: Arc<Tour>) {
    let res = t
        .app
        .http
        .post(t.app.url("/users/register"))
        .json(&json!({ "email": ERIN, "password": PASSWORD, "name": "Erin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let link = mailed_link(&t, ERIN, "Confirm", "/users/verify-email", 1).await;
    forget_everything(&t).await;
    open(&t.browser, &link, "form button[type='submit']").await;
}

async fn email_verified(t: Arc<Tour>) {
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "main h1").await;
    assert!(!exists(&t.browser, "form").await);
}

async fn reset_password(t: Arc<Tour>) {
    let res = t
        .app
        .http
        .post(t.app.url("/users/password-reset"))
        .json(&json!({ "email": ERIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let link = mailed_link(&t, ERIN, "Reset", "/users/password-reset/confirm", 2).await;
    open(&t.browser, &link, "input[name='password']").await;
}

async fn reset_password_error(t: Arc<Tour>) {
    // The server's answer to a refused password: turn off the browser's own length check
    // (as a browser without constraint validation would) so the short one reaches it.
    t.browser
        .execute("document.forms[0].noValidate = true; return true;", vec![])
        .await
        .unwrap();
    fill(&t.browser, "input[name='password']", "short").await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "[role='alert']").await;
}

async fn password_changed(t: Arc<Tour>) {
    fill(&t.browser, "input[name='password']", NEW_PASSWORD).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "main h1").await;
    assert!(!exists(&t.browser, "input[name='password']").await);
}

async fn forgot_password(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(
        &t.browser,
        &t.app.url("/forgot-password"),
        "input[name='email']",
    )
    .await;
}

async fn forgot_password_sent(t: Arc<Tour>) {
    fill(&t.browser, "input[name='email']", ADA).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "main h1").await;
}

async fn signup(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(&t.browser, &t.app.url("/signup"), "input[name='email']").await;
}

async fn signup_check_inbox(t: Arc<Tour>) {
    fill(&t.browser, "input[name='email']", FRANK).await;
    if exists(&t.browser, "input[name='name']").await {
        fill(&t.browser, "input[name='name']", "Frank").await;
    }
    fill(&t.browser, "input[name='password']", PASSWORD).await;
    click_through(&t.browser, "form button[type='submit']").await;
    wait_css(&t.browser, "main h1").await;
    assert!(!exists(&t.browser, "input[name='password']").await);
}

async fn console_sign_in(t: Arc<Tour>) {
    forget_everything(&t).await;
    open(&t.browser, &t.app.url("/console"), "input[type='password']").await;
}

async fn console_dashboard(t: Arc<Tour>) {
    fill(&t.browser, "input[type='password']", ADMIN_TOKEN).await;
    click_through(
        &t.browser,
        "form:has(input[type='password']) button[type='submit']",
    )
    .await;
    wait_css(&t.browser, "main h1").await;
    assert!(
        !exists(&t.browser, "input[type='password']").await,
        "signed in to the console"
    );
}

/// A console page, signed in: `/console/<path>`.
async fn console_page(t: &Tour, path: &str) {
    open(
        &t.browser,
        &t.app.url(&format!("/console/{path}")),
        "main h1",
    )
    .await;
    assert!(
        !exists(&t.browser, "input[type='password']").await,
        "still signed in to the console on /console/{path}"
    );
}

async fn console_clients(t: Arc<Tour>) {
    console_page(&t, "clients").await;
}
async fn console_users(t: Arc<Tour>) {
    console_page(&t, "users").await;
}
async fn console_keys(t: Arc<Tour>) {
    console_page(&t, "keys").await;
}
async fn console_api_keys(t: Arc<Tour>) {
    console_page(&t, "api-keys").await;
}
async fn console_resources(t: Arc<Tour>) {
    console_page(&t, "resources").await;
}
async fn console_audit(t: Arc<Tour>) {
    console_page(&t, "audit").await;
}

// ---- The tour itself -------------------------------------------------------------------------

/// What one stop found.
struct Visit {
    name: &'static str,
    /// Why the stop could not be reached, if it could not.
    failed: Option<String>,
    light: Vec<Violation>,
    dark: Vec<Violation>,
    /// Elements with `style=` (the real CSP blocks them).
    inline_styles: Vec<String>,
}

/// Photographs the page at both sizes (when `shots` is set) and runs axe in both schemes.
async fn look(
    browser: &Client,
    name: &str,
    shots: Option<&PathBuf>,
) -> (Vec<Violation>, Vec<Violation>) {
    for screen in [PHONE, DESKTOP] {
        use_screen(browser, screen).await;
        if let Some(dir) = shots {
            full_page_screenshot(browser, &dir.join(format!("{name}-{}.png", screen.name))).await;
        }
    }
    let light = audit(browser).await;
    use_screen(browser, PHONE).await;
    use_dark_scheme(browser, true).await;
    let dark = audit(browser).await;
    use_dark_scheme(browser, false).await;
    (light, dark)
}

/// The message of a stop's panic.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic".to_owned()),
        Err(e) => e.to_string(),
    }
}

async fn page_tour(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("page tour") else {
        return;
    };
    let full = db.backend() == Backend::Sqlite;
    let started = Instant::now();
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    let app = TestApp::spawn_with(db, config).await;
    for email in [ADA, BOB, CAROL] {
        app.create_user(email, PASSWORD, Some("Ada Lovelace")).await;
    }
    let token = account_token(&app, BOB, PASSWORD).await;
    let (bob, _) = enrol(&app, &token).await;
    let rp = StubRelyingParty::start().await;
    let client = app
        .register(NewClient {
            name: CLIENT_NAME.into(),
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec![rp.callback()],
            scope: SCOPE.into(),
            ..NewClient::default()
        })
        .await;
    let device = app
        .register(NewClient {
            name: "Living-room TV".into(),
            grants: vec![DEVICE_GRANT.into()],
            scope: "openid email".into(),
            public: true,
            ..NewClient::default()
        })
        .await;

    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    let tour = Arc::new(Tour {
        app,
        browser: browser.clone(),
        rp,
        client,
        device,
        bob: tokio::sync::Mutex::new(bob),
        user_code: Mutex::new(String::new()),
    });
    let shots = full.then(tour_dir);

    let mut visits = Vec::new();
    for stop in stops().into_iter().filter(|s| full || s.on_postgres) {
        use_screen(&browser, PHONE).await;
        let reached = tokio::spawn((stop.go)(tour.clone())).await;
        let visit = match reached {
            Ok(()) => {
                let (light, dark) = look(&browser, stop.name, shots.as_ref()).await;
                Visit {
                    name: stop.name,
                    failed: None,
                    light,
                    dark,
                    inline_styles: inline_styles(&browser).await,
                }
            }
            Err(e) => Visit {
                name: stop.name,
                failed: Some(panic_message(e)),
                light: Vec::new(),
                dark: Vec::new(),
                inline_styles: Vec::new(),
            },
        };
        visits.push(visit);
    }
    let _ = browser.clone().close().await;
    drop(driver);

    let report = report(&visits);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("accessibility.md"), &report).unwrap();
    }
    let _ = writeln!(
        std::io::stderr(),
        "page tour ({}): {} pages in {:.1} s{}\n{report}",
        if full { "sqlite" } else { "postgres" },
        visits.len(),
        started.elapsed().as_secs_f64(),
        shots
            .as_ref()
            .map(|d| format!("; screenshots in {}", d.display()))
            .unwrap_or_default()
    );
    let problems: Vec<String> = visits.iter().flat_map(problems).collect();
    assert!(
        problems.is_empty(),
        "the page tour found:\n{}",
        problems.join("\n")
    );
    if let Ok(tour) = Arc::try_unwrap(tour) {
        tour.app.stop().await;
    }
}
both_backends!(tour, page_tour);

/// What fails the test for one visit.
fn problems(v: &Visit) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(why) = &v.failed {
        out.push(format!("- {}: not reached: {why}", v.name));
    }
    for (scheme, list) in [("light", &v.light), ("dark", &v.dark)] {
        for violation in list.iter().filter(|x| x.is_failing()) {
            out.push(format!("- {} ({scheme}): {violation}", v.name));
        }
    }
    for element in &v.inline_styles {
        out.push(format!(
            "- {}: a style attribute the CSP blocks: {element}",
            v.name
        ));
    }
    out
}

/// The Markdown report: a table of pages and violations by impact, then each violation.
fn report(visits: &[Visit]) -> String {
    let mut out = String::from(
        "# Accessibility of the pages (axe-core, WCAG 2.0/2.1 A and AA, best practices)\n\n\
         Violations by impact (rules broken), light / dark colour scheme. Serious and critical \
         fail the test.\n\n| page | critical | serious | moderate | minor | screenshots |\n\
         |---|---|---|---|---|---|\n",
    );
    for v in visits {
        if let Some(why) = &v.failed {
            let why = why.lines().next().unwrap_or_default().replace('|', "/");
            let _ = writeln!(out, "| {} | not reached: {why} | | | | |", v.name);
            continue;
        }
        let (light, dark) = (count_by_impact(&v.light), count_by_impact(&v.dark));
        let cell = |i: usize| format!("{} / {}", light[i], dark[i]);
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | [phone]({name}-phone.png), [desktop]({name}-desktop.png) |",
            cell(3),
            cell(2),
            cell(1),
            cell(0),
            name = v.name
        );
    }
    let listed: Vec<String> = visits
        .iter()
        .flat_map(|v| {
            let light = v
                .light
                .iter()
                .map(move |x| format!("- {} (light): {x}", v.name));
            let dark = v
                .dark
                .iter()
                .map(move |x| format!("- {} (dark): {x}", v.name));
            light.chain(dark)
        })
        .collect();
    out.push_str("\n## Every violation\n\n");
    if listed.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str(&listed.join("\n"));
        out.push('\n');
    }
    let _ = IMPACTS;
    out
}
