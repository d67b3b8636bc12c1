//! Driving pages in Chromium the way a person does, for the page tour and the keyboard test:
//! typing into fields, pressing buttons, and waiting for the next document to load.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use super::chromium::{step, STEP};

/// Waits (up to [`STEP`]) for an element matching `css`.
pub async fn wait_css(browser: &Client, css: &str) {
    step(
        css,
        browser.wait().at_most(STEP).for_element(Locator::Css(css)),
    )
    .await;
}

/// Waits (up to [`STEP`]) until the script `condition` (a JavaScript expression) is true.
pub async fn wait_until(browser: &Client, what: &str, condition: &str) {
    let deadline = Instant::now() + STEP;
    let script = format!("try {{ return !!({condition}); }} catch (e) {{ return false; }}");
    loop {
        if let Ok(Value::Bool(true)) = browser.execute(&script, vec![]).await {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not within {STEP:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types `text` into the (emptied) element matching `css`.
pub async fn fill(browser: &Client, css: &str, text: &str) {
    let field = step(css, browser.find(Locator::Css(css))).await;
    step(css, field.clear()).await;
    step(css, field.send_keys(text)).await;
}

/// Marks the current document, so [`wait_for_new_document`] can tell when it is replaced.
pub async fn mark_document(browser: &Client) {
    step(
        "mark the document",
        browser.execute("window.__tessera_tour_old = true; return true;", vec![]),
    )
    .await;
}

/// Waits until the marked document has been replaced by a new one that finished loading.
pub async fn wait_for_new_document(browser: &Client) {
    wait_until(
        browser,
        "the next page",
        "window.__tessera_tour_old === undefined && document.readyState === 'complete'",
    )
    .await;
}

/// Clicks the element matching `css` and waits for the page it leads to.
pub async fn click_through(browser: &Client, css: &str) {
    mark_document(browser).await;
    let button = step(css, browser.find(Locator::Css(css))).await;
    step(css, button.click()).await;
    wait_for_new_document(browser).await;
}

/// Opens `url` and waits for an element matching `css` on it.
pub async fn open(browser: &Client, url: &str, css: &str) {
    step(url, browser.goto(url)).await;
    wait_css(browser, css).await;
}

/// The text content of the first element matching `css` (trimmed).
pub async fn text_of(browser: &Client, css: &str) -> String {
    let element = step(css, browser.find(Locator::Css(css))).await;
    step(css, element.text()).await.trim().to_owned()
}

/// Whether an element matches `css` now.
pub async fn exists(browser: &Client, css: &str) -> bool {
    let found = step(
        css,
        browser.execute(
            "return document.querySelector(arguments[0]) !== null;",
            vec![json!(css)],
        ),
    )
    .await;
    found == json!(true)
}
