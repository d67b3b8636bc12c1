//! The language in a real Chromium: `/authorize?…&ui_locales=de` renders `<html lang="de">`,
//! and the login button says what the German catalogue (`adapters/locales/de/login.txt`,
//! read here at test time) says, not a copy of it in this test. Both backends.

use std::collections::BTreeMap;
use std::path::PathBuf;

use fantoccini::Locator;
use serde_json::json;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

use crate::support::chromium::{step, BrowserTools, ChromeDriver};
use crate::support::relying_party::{Authorization, StubRelyingParty};
use crate::support::tour::wait_css;
use crate::support::TestApp;

const SCOPE: &str = "openid";

/// `area.key = text` lines of `adapters/locales/<lang>/<area>.txt`.
fn catalogue(lang: &str, area: &str) -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters/locales")
        .join(lang)
        .join(format!("{area}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The catalogue key of the login button: `login.submit`, or else the key whose English text
/// is the English button's ("Sign in").
fn submit_key(en: &BTreeMap<String, String>) -> String {
    if en.contains_key("login.submit") {
        return "login.submit".to_owned();
    }
    let mut keys: Vec<&String> = en
        .iter()
        .filter(|(_, v)| v.as_str() == "Sign in")
        .map(|(k, _)| k)
        .collect();
    keys.sort_by_key(|k| !k.contains("submit") && !k.contains("button"));
    keys.first()
        .map(|k| (*k).clone())
        .unwrap_or_else(|| panic!("no login button text in the English catalogue: {en:?}"))
}

async fn login_page_speaks_german(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("browser language test") else {
        return;
    };
    let en = catalogue("en", "login");
    let de = catalogue("de", "login");
    let key = submit_key(&en);
    let german = de
        .get(&key)
        .unwrap_or_else(|| panic!("{key} in adapters/locales/de/login.txt"))
        .clone();
    assert_ne!(german, en[&key], "{key} is translated");

    let app = TestApp::spawn(db).await;
    let rp = StubRelyingParty::start().await;
    let creds = app
        .register(NewClient {
            name: "Notizen".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![rp.callback()],
            scope: SCOPE.into(),
            ..NewClient::default()
        })
        .await;
    let request = Authorization::new(
        &app,
        &creds.id,
        &rp.callback(),
        SCOPE,
        &[("ui_locales", "de")],
    );
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    step("open the authorize URL", browser.goto(&request.url)).await;
    wait_css(&browser, "input[name='email']").await;
    let lang = step(
        "the document's language",
        browser.execute("return document.documentElement.lang;", vec![]),
    )
    .await;
    assert_eq!(lang, json!("de"), "<html lang=\"de\">");
    let button = step(
        "the login button",
        browser.find(Locator::Css("form button[type='submit']")),
    )
    .await;
    let text = step("its text", button.text()).await;
    assert_eq!(text.trim(), german, "the button says {key} in German");

    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    drop(rp);
    app.stop().await;
}
both_backends!(german_login_page, login_page_speaks_german);
