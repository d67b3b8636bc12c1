//! Keyboard only: in a real Chromium, a person signs in on the login page and allows on the
//! consent page with nothing but the keyboard (Tab to each field, type, Enter), and every
//! element that takes the focus on the way shows a visible focus outline (its computed style),
//! as WCAG 2.4.7 asks. Both backends.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

use crate::support::chromium::{step, wait_for_url, BrowserTools, ChromeDriver};
use crate::support::relying_party::{Authorization, StubRelyingParty};
use crate::support::tour::{mark_document, wait_css, wait_for_new_document};
use crate::support::TestApp;

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const SCOPE: &str = "openid profile email";
/// More Tabs than any of these pages has stops: a focus trap fails instead of looping.
const MAX_TABS: usize = 12;

/// Presses and releases each key of `keys` in turn (keyboard input only).
async fn press(browser: &Client, keys: &str) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for c in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    step("keyboard input", browser.perform_actions(actions)).await;
    // Let the browser move the focus and paint before it is looked at.
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Shift+Tab: the focus goes back one element.
async fn shift_tab(browser: &Client) {
    let (shift, tab) = (char::from(Key::Shift), char::from(Key::Tab));
    let actions = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: shift })
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab })
        .then(KeyAction::Up { value: shift });
    step("Shift+Tab", browser.perform_actions(actions)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The focused element: a short description, and whether its outline is visible.
async fn focused(browser: &Client) -> (String, bool) {
    let answer: Value = step(
        "the focused element",
        browser.execute(
            concat!(
                "const e = document.activeElement;",
                "if (!e || e === document.body) return { what: 'body', visible: false };",
                "const s = getComputedStyle(e);",
                "const width = parseFloat(s.outlineWidth) || 0;",
                "const visible = s.outlineStyle !== 'none' && width >= 2",
                " && s.outlineColor !== 'transparent' && s.outlineColor !== 'rgba(0, 0, 0, 0)';",
                "const what = e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '')",
                " + (e.value && e.tagName === 'BUTTON' ? '[value=' + e.value + ']' : '')",
                " + ' outline: ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor;",
                "return { what, visible };"
            ),
            vec![],
        ),
    )
    .await;
    (
        answer["what"].as_str().unwrap_or_default().to_owned(),
        answer["visible"] == json!(true),
    )
}

/// Tabs until the focus is on the element matching `css`, checking the focus outline of each
/// element focused on the way; fails after [`MAX_TABS`].
async fn tab_to(browser: &Client, css: &str) {
    for _ in 0..MAX_TABS {
        let on_target = step(
            css,
            browser.execute(
                "return document.activeElement === document.querySelector(arguments[0]);",
                vec![json!(css)],
            ),
        )
        .await;
        let (what, visible) = focused(browser).await;
        if what != "body" {
            assert!(visible, "no visible focus outline on {what}");
        }
        if on_target == json!(true) {
            return;
        }
        press(browser, &Key::Tab.to_string()).await;
    }
    panic!("{css} never took the focus within {MAX_TABS} Tabs");
}

async fn keyboard_only_sign_in(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("keyboard-only sign-in test") else {
        return;
    };
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let rp = StubRelyingParty::start().await;
    let creds = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![rp.callback()],
            scope: SCOPE.into(),
            ..NewClient::default()
        })
        .await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;

    // The login page: Tab to each field, type, Enter.
    step("open the authorize URL", browser.goto(&request.url)).await;
    wait_css(&browser, "input[name='email']").await;
    tab_to(&browser, "input[name='email']").await;
    press(&browser, EMAIL).await;
    tab_to(&browser, "input[name='password']").await;
    press(&browser, PASSWORD).await;
    mark_document(&browser).await;
    press(&browser, &Key::Enter.to_string()).await;
    wait_for_new_document(&browser).await;

    // The consent page: Tab to Allow, Enter.
    wait_css(&browser, "button[name='decision'][value='allow']").await;
    tab_to(&browser, "button[name='decision'][value='allow']").await;
    // Deny is reachable too, and shows its focus.
    press(&browser, &Key::Tab.to_string()).await;
    let (what, visible) = focused(&browser).await;
    assert!(what.contains("[value=deny]"), "Deny follows Allow: {what}");
    assert!(visible, "no visible focus outline on {what}");
    shift_tab(&browser).await;
    let (what, visible) = focused(&browser).await;
    assert!(
        what.contains("[value=allow]"),
        "Shift+Tab goes back to Allow: {what}"
    );
    assert!(visible, "no visible focus outline on {what}");
    press(&browser, &Key::Enter.to_string()).await;
    let landed = wait_for_url(&browser, &rp.callback()).await;
    assert!(landed.contains("code="), "{landed}");

    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    drop(rp);
    app.stop().await;
}
both_backends!(keyboard_sign_in, keyboard_only_sign_in);
