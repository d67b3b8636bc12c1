//! Screen sizes, colour schemes and full-page screenshots for the browser tests, through the
//! DevTools protocol (chromedriver's `goog/cdp/execute`): the session's window stays as it is
//! and the page is laid out as on the emulated screen.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine;
use fantoccini::Client;
use serde_json::json;

use super::chromium::{cdp, step};

/// A screen the pages are photographed and checked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// `phone` or `desktop`, the file-name suffix.
    pub name: &'static str,
    /// CSS pixels.
    pub width: u32,
    /// CSS pixels.
    pub height: u32,
    /// A touch screen with the mobile viewport rules (`<meta name="viewport">`).
    pub mobile: bool,
}

/// A phone: 390 × 844, as an iPhone 12 to 15.
pub const PHONE: Screen = Screen {
    name: "phone",
    width: 390,
    height: 844,
    mobile: true,
};

/// A laptop: 1280 × 800.
pub const DESKTOP: Screen = Screen {
    name: "desktop",
    width: 1280,
    height: 800,
    mobile: false,
};

/// Lays the page out as on `screen` (DevTools `Emulation.setDeviceMetricsOverride`).
pub async fn use_screen(browser: &Client, screen: Screen) {
    cdp(
        browser,
        "Emulation.setDeviceMetricsOverride",
        json!({
            "width": screen.width,
            "height": screen.height,
            "deviceScaleFactor": 1,
            "mobile": screen.mobile,
        }),
    )
    .await;
    cdp(
        browser,
        "Emulation.setTouchEmulationEnabled",
        json!({ "enabled": screen.mobile }),
    )
    .await;
}

/// Emulates `prefers-color-scheme: dark` (or light).
pub async fn use_dark_scheme(browser: &Client, dark: bool) {
    let value = if dark { "dark" } else { "light" };
    cdp(
        browser,
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
    )
    .await;
}

/// Saves a PNG of the whole page (not only the viewport) at `path`.
pub async fn full_page_screenshot(browser: &Client, path: &Path) {
    let size = step(
        "the page's size",
        browser.execute(
            concat!(
                "const e = document.documentElement;",
                "return [Math.max(e.scrollWidth, e.clientWidth),",
                " Math.max(e.scrollHeight, document.body ? document.body.scrollHeight : 0)];"
            ),
            vec![],
        ),
    )
    .await;
    let width = size[0].as_f64().unwrap_or(390.0);
    let height = size[1].as_f64().unwrap_or(844.0);
    let shot = cdp(
        browser,
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
        }),
    )
    .await;
    let data = shot["data"]
        .as_str()
        .unwrap_or_else(|| panic!("a screenshot, not {shot}"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("Base64 PNG");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::create_dir_all(path.parent().expect("a folder")).unwrap();
    std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// `<workspace>/target/screenshots`, where the page tour leaves its pictures and report
/// (always under the workspace, whatever `CARGO_TARGET_DIR` says, so people find them).
pub fn tour_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .join("target/screenshots")
}
