//! The browser tests' accessibility check: axe-core (pinned in `tests/browser/package-lock.json`,
//! installed by `npm ci --prefix tests/browser`, which `make test` runs) is injected into the
//! page through the WebDriver session and run against WCAG 2.0/2.1 A and AA and axe's best
//! practices. A violation of impact `serious` or `critical` fails the test; the others are
//! reported.
//!
//! The pages' CSP (`default-src 'none'`) forbids inline scripts and `eval`, but a WebDriver
//! script is neither: chromedriver runs it through the DevTools protocol, which the page's CSP
//! does not govern, so axe runs on the pages exactly as they are served (no CSP bypass, which
//! would also let through `style=` attributes the real policy blocks).
//! `browser_accessibility.rs` proves it: axe finds violations planted into a page under its
//! strict CSP.

#![allow(dead_code)]

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use fantoccini::Client;
use serde_json::{json, Value};

use super::chromium::step;

/// The rule sets checked: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
pub const RULE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// The impacts that fail a test.
pub const FAILING: [&str; 2] = ["serious", "critical"];

/// Every impact axe reports, mildest first.
pub const IMPACTS: [&str; 4] = ["minor", "moderate", "serious", "critical"];

/// One rule a page breaks, with the elements that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    /// axe's rule id (`color-contrast`, `label`, ...).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in a sentence.
    pub help: String,
    /// A CSS selector per offending element.
    pub targets: Vec<String>,
}

impl Violation {
    /// Whether it fails the test.
    pub fn is_failing(&self) -> bool {
        FAILING.contains(&self.impact.as_str())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) at {}: {}",
            self.id,
            self.impact,
            self.targets.join(", "),
            self.help
        )
    }
}

/// `tests/browser/node_modules/axe-core/axe.min.js`, read once; fails the test with what to
/// run when it is missing.
pub fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `npm ci --prefix tests/browser` (`make test` does)",
                path.display()
            )
        })
    })
}

/// Runs axe on the page the browser shows and returns every violation.
pub async fn audit(browser: &Client) -> Vec<Violation> {
    let loaded = step(
        "inject axe-core",
        browser.execute(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            vec![],
        ),
    )
    .await;
    assert_eq!(loaded, json!("object"), "axe-core is loaded in the page");
    let script = concat!(
        "const done = arguments[arguments.length - 1];",
        "axe.run(document, { runOnly: arguments[0], resultTypes: ['violations'] })",
        ".then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,",
        " targets: v.nodes.map(n => n.target.join(' ')) }))))",
        ".catch(e => done({ error: String(e) }));"
    );
    let answer = step(
        "axe.run",
        browser.execute_async(script, vec![json!(RULE_TAGS)]),
    )
    .await;
    let Value::Array(list) = answer else {
        panic!("axe.run failed: {answer}");
    };
    list.iter()
        .map(|v| Violation {
            id: v["id"].as_str().unwrap_or_default().to_owned(),
            impact: v["impact"].as_str().unwrap_or("minor").to_owned(),
            help: v["help"].as_str().unwrap_or_default().to_owned(),
            targets: v["targets"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The elements carrying a `style` attribute: the CSP blocks them, so the page does not look
/// as its author meant (a markup mistake the tour reports).
pub async fn inline_styles(browser: &Client) -> Vec<String> {
    let answer = step(
        "look for style attributes",
        browser.execute(
            "return [...document.querySelectorAll('[style]')].map(e => e.outerHTML.slice(0, 120));",
            vec![],
        ),
    )
    .await;
    answer
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Fails the test, listing them, when `violations` holds a serious or critical one.
pub fn assert_no_serious(page: &str, violations: &[Violation]) {
    let failing: Vec<String> = violations
        .iter()
        .filter(|v| v.is_failing())
        .map(|v| format!("  - {v}"))
        .collect();
    assert!(
        failing.is_empty(),
        "accessibility violations on {page} (axe-core, {}):\n{}",
        RULE_TAGS.join(", "),
        failing.join("\n")
    );
}

/// Runs axe on the page and fails on a serious or critical violation; returns them all.
pub async fn assert_accessible(browser: &Client, page: &str) -> Vec<Violation> {
    let violations = audit(browser).await;
    assert_no_serious(page, &violations);
    violations
}

/// How many violations of each impact in [`IMPACTS`] order.
pub fn count_by_impact(violations: &[Violation]) -> [usize; 4] {
    let mut counts = [0; 4];
    for v in violations {
        if let Some(i) = IMPACTS.iter().position(|i| *i == v.impact) {
            counts[i] += 1;
        }
    }
    counts
}
