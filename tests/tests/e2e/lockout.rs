//! Account lockout on the login page (ASVS 6.3.1, 2.2.1), over real HTTP on both backends:
//! failed sign-ins lock the account for a while, a locked account answers exactly like a wrong
//! password (ASVS 6.3.8: no enumeration), the lock ends by itself, and it lives in the
//! database, so a restart keeps it.

use crate::support;

use crate::support::browser::{Browser, Form, Page};
use crate::support::{Creds, TestApp};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const UNKNOWN: &str = "nobody@example.com";
const PASSWORD: &str = "correct horse battery staple";
const WRONG: &str = "not the password at all";
const REDIRECT: &str = "http://127.0.0.1/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const NOT_CORRECT: &str = "The email or password is not correct.";

/// Starts a server whose first lock lasts `base_secs` (at most `max_secs`), with a user and a
/// client that skips consent.
async fn setup(db: TestDatabase, base_secs: i64, max_secs: i64) -> (TestApp, Creds) {
    let mut config = support::test_config(db.url());
    config.accounts.lockout.threshold = 5;
    config.accounts.lockout.base_secs = base_secs;
    config.accounts.lockout.max_secs = max_secs;
    setup_with(db, config).await
}

/// A server with `config`, a user and a client that skips consent.
async fn setup_with(db: TestDatabase, config: tessera_server::config::Config) -> (TestApp, Creds) {
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let client = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid".into(),
            skip_consent: true,
            ..NewClient::default()
        })
        .await;
    (app, client)
}

/// A browser on the login page of `client`, and the page's form.
async fn login_page(app: &TestApp, client: &Creds) -> (Browser, Form) {
    open_login_page(app, client, Browser::new()).await
}

/// `browser` on the login page of `client`, and the page's form.
async fn open_login_page(app: &TestApp, client: &Creds, mut browser: Browser) -> (Browser, Form) {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let page = browser
        .get(&format!("{}?{query}", app.url("/authorize")))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form = page.form();
    (browser, form)
}

async fn attempt(app: &TestApp, browser: &mut Browser, form: &Form, email: &str, pw: &str) -> Page {
    let mut form = form.clone();
    form.set("email", email).set("password", pw);
    browser.post(&app.url("/authorize"), &form).await
}

/// The answer to a refused sign-in: the login page again, 200, the one message, no
/// `Retry-After`, no session cookie.
fn assert_refused(page: &Page, what: &str) {
    assert_eq!(page.status, 200, "{what}: {}", page.body);
    assert!(page.body.contains(NOT_CORRECT), "{what}: {}", page.body);
    assert!(
        page.headers.get("retry-after").is_none(),
        "{what}: no Retry-After on the page (it would reveal that the account exists)"
    );
    assert!(page.location().is_none(), "{what}: no redirect");
}

/// Signed in: with consent skipped, the redirect back to the client with a code.
fn assert_signed_in(page: &Page) {
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.redirect_params().contains_key("code"));
}

/// The page a refusal shows, with the email typed (echoed into the form) blanked out.
fn shown(page: &Page, email: &str) -> String {
    page.body.replace(email, "EMAIL")
}

async fn asvs_6_3_1_five_wrong_passwords_lock_the_account_until_the_delay_passes(db: TestDatabase) {
    let (app, client) = setup(db, 2, 4).await;
    let (mut browser, form) = login_page(&app, &client).await;
    for n in 1..=5 {
        let page = attempt(&app, &mut browser, &form, EMAIL, WRONG).await;
        assert_refused(&page, &format!("wrong password {n}"));
    }
    // Locked: the right password gets the wrong-password page...
    let locked = attempt(&app, &mut browser, &form, EMAIL, PASSWORD).await;
    assert_refused(&locked, "right password while locked");
    assert!(
        !browser.cookies.keys().any(|k| k.contains("session")),
        "no session: {:?}",
        browser.cookies.keys()
    );
    // ...and (ASVS 6.3.8) the very page an address without an account gets.
    let unknown = attempt(&app, &mut browser, &form, UNKNOWN, PASSWORD).await;
    assert_refused(&unknown, "unknown email");
    assert_eq!(shown(&locked, EMAIL), shown(&unknown, UNKNOWN));
    let names = |p: &Page| {
        let mut n: Vec<String> = p.headers.keys().map(|k| k.to_string()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&locked), names(&unknown), "same headers");

    // The lock ends by itself, and the right password works again.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let page = attempt(&app, &mut browser, &form, EMAIL, PASSWORD).await;
    assert_signed_in(&page);
    app.stop().await;
}
both_backends!(
    asvs_6_3_1_lockout,
    asvs_6_3_1_five_wrong_passwords_lock_the_account_until_the_delay_passes
);

async fn asvs_6_3_1_success_resets_and_unknown_emails_never_lock(db: TestDatabase) {
    let (app, client) = setup(db, 60, 3600).await;
    let (mut browser, form) = login_page(&app, &client).await;
    for _ in 0..4 {
        assert_refused(
            &attempt(&app, &mut browser, &form, EMAIL, WRONG).await,
            "wrong password",
        );
    }
    assert_signed_in(&attempt(&app, &mut browser, &form, EMAIL, PASSWORD).await);
    // Counting starts over: four more failures do not lock.
    let (mut browser, form) = login_page(&app, &client).await;
    for _ in 0..4 {
        assert_refused(
            &attempt(&app, &mut browser, &form, EMAIL, WRONG).await,
            "wrong password",
        );
    }
    // An unknown address can be tried any number of times: there is no account to lock, and
    // nothing is stored about it.
    for _ in 0..8 {
        assert_refused(
            &attempt(&app, &mut browser, &form, UNKNOWN, WRONG).await,
            "unknown email",
        );
    }
    assert_signed_in(&attempt(&app, &mut browser, &form, EMAIL, PASSWORD).await);
    app.stop().await;
}
both_backends!(
    asvs_6_3_1_reset,
    asvs_6_3_1_success_resets_and_unknown_emails_never_lock
);

/// the lock lives in the database, so restarting the server does not lift it.
async fn asvs_6_3_1_r_07_lock_survives_a_restart(db: TestDatabase) {
    let (app, client) = setup(db, 60, 3600).await;
    let (mut browser, form) = login_page(&app, &client).await;
    for _ in 0..5 {
        assert_refused(
            &attempt(&app, &mut browser, &form, EMAIL, WRONG).await,
            "wrong password",
        );
    }
    let (db, config) = app.stop_keeping_database().await;

    let app = TestApp::spawn_with(db, config).await;
    let (mut browser, form) = login_page(&app, &client).await;
    assert_refused(
        &attempt(&app, &mut browser, &form, EMAIL, PASSWORD).await,
        "right password after a restart, still locked",
    );
    app.stop().await;
}
both_backends!(asvs_6_3_1_restart, asvs_6_3_1_r_07_lock_survives_a_restart);

/// ASVS 6.3.1 without the malicious-lockout hole: an attacker guessing from many addresses
/// keeps the account locked for everyone else (even with the right password), while the
/// owner's browser, which signed in before, still gets in; and one address that keeps failing
/// runs out of its own budget whatever account it tries.
async fn asvs_6_3_1_an_attacker_cannot_lock_the_owner_out(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.accounts.lockout.threshold = 5;
    config.accounts.lockout.base_secs = 600;
    config.accounts.lockout.max_secs = 3600;
    config.rate_limit.trust_forwarded_for = true;
    let (app, client) = setup_with(db, config).await;
    // The owner signs in once from their own browser.
    let (owner, form) = open_login_page(&app, &client, Browser::from_address("198.51.100.7")).await;
    let mut owner = owner;
    assert_signed_in(&attempt(&app, &mut owner, &form, EMAIL, PASSWORD).await);

    // Twenty addresses, three guesses each: the account locks after five.
    for i in 1..=20 {
        let (mut b, form) = open_login_page(
            &app,
            &client,
            Browser::from_address(&format!("203.0.113.{i}")),
        )
        .await;
        for _ in 0..3 {
            assert_refused(&attempt(&app, &mut b, &form, EMAIL, WRONG).await, "guess");
        }
    }
    // Locked for everybody without the owner's browser, the right password included.
    let (mut fresh, form) =
        open_login_page(&app, &client, Browser::from_address("203.0.113.200")).await;
    assert_refused(
        &attempt(&app, &mut fresh, &form, EMAIL, PASSWORD).await,
        "right password from a browser that never signed in",
    );
    // The owner's browser (its session over, its device cookie kept) gets in.
    owner.cookies.retain(|name, _| !name.contains("session"));
    assert!(owner.cookies.keys().any(|name| name.contains("device")));
    let (mut owner, form) = open_login_page(&app, &client, owner).await;
    assert_signed_in(&attempt(&app, &mut owner, &form, EMAIL, PASSWORD).await);

    // One address that keeps failing runs out of failures (default 20), then gets 429.
    let (mut noisy, form) =
        open_login_page(&app, &client, Browser::from_address("192.0.2.99")).await;
    let mut limited = None;
    for n in 0..25 {
        let page = attempt(&app, &mut noisy, &form, &format!("x{n}@example.com"), WRONG).await;
        if page.status == 429 {
            limited = Some(page);
            break;
        }
        assert_refused(&page, "unknown email");
    }
    let page = limited.expect("an address failing again and again is cut off");
    assert!(page.headers.get("retry-after").is_some());
    app.stop().await;
}
both_backends!(
    asvs_6_3_1_owner_gets_in,
    asvs_6_3_1_an_attacker_cannot_lock_the_owner_out
);
