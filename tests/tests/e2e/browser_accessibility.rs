//! The accessibility check checks: on a real page, under the page's own strict CSP, axe-core
//! (as the page tour runs it) finds violations planted into it, so a tour with no findings
//! means clean pages, not a check that never ran. SQLite only: it tests the checker, not the
//! server.

use crate::support::accessibility::{audit, inline_styles};
use crate::support::chromium::{step, BrowserTools, ChromeDriver};
use crate::support::tour::open;
use crate::support::TestApp;
use tessera_tests::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_planted_violations() {
    let Some(tools) = BrowserTools::find("accessibility checker test") else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    open(&browser, &app.url("/device"), "input[name='user_code']").await;
    let csp = app.http.get(app.url("/device")).send().await.unwrap();
    let csp = csp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'"),
        "the page's strict CSP: {csp}"
    );
    assert!(audit(&browser).await.is_empty(), "the page itself is clean");

    step(
        "plant violations",
        browser.execute(
            concat!(
                "const main = document.querySelector('main');",
                // critical: an image without a text alternative
                "const img = document.createElement('img'); img.src = 'data:,'; main.append(img);",
                // serious: a field without a label
                "const input = document.createElement('input'); input.type = 'text'; main.append(input);",
                // serious: low contrast, and a style attribute the real CSP would block
                "const p = document.createElement('p'); p.textContent = 'faint';",
                "p.style.color = '#ccc'; main.append(p);",
                "return true;"
            ),
            vec![],
        ),
    )
    .await;
    let found = audit(&browser).await;
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    for (rule, impact) in [
        ("image-alt", "critical"),
        ("label", "critical"),
        ("color-contrast", "serious"),
    ] {
        let v = found
            .iter()
            .find(|v| v.id == rule)
            .unwrap_or_else(|| panic!("{rule} among {ids:?}"));
        assert_eq!(v.impact, impact, "{v}");
        assert!(v.is_failing(), "{v}");
        assert!(!v.targets.is_empty() && !v.help.is_empty(), "{v}");
    }
    assert_eq!(
        inline_styles(&browser).await.len(),
        1,
        "the style attribute is seen"
    );

    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    app.stop().await;
}
