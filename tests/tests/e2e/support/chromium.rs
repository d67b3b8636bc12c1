//! Headless Chromium driven over WebDriver (chromedriver + `fantoccini`), for the browser
//! tests: finding the programs (a loud skip, or a failure when `CI` or
//! `TESSERA_REQUIRE_BROWSER` is set), starting chromedriver on a free port in a process group
//! of its own that is killed on drop, bounded steps and waits, screenshots, and the W3C
//! WebAuthn virtual authenticator (§11), which fantoccini has no typed API for.

use std::future::Future;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The longest any one step may take: a WebDriver command, a page load, a process start.
pub const STEP: Duration = Duration::from_secs(30);

/// Runs one step, failing the test if it takes longer than [`STEP`].
pub async fn step<T>(what: &str, fut: impl Future<Output = T>) -> T::Ok
where
    T: ResultLike,
{
    match tokio::time::timeout(STEP, fut).await {
        Ok(result) => result.into_ok(what),
        Err(_) => panic!("{what}: nothing within {STEP:?}"),
    }
}

/// A `Result` whose error is shown when a step fails.
pub trait ResultLike {
    type Ok;
    fn into_ok(self, what: &str) -> Self::Ok;
}

impl<T, E: std::fmt::Display> ResultLike for Result<T, E> {
    type Ok = T;
    fn into_ok(self, what: &str) -> T {
        self.unwrap_or_else(|e| panic!("{what}: {e}"))
    }
}

/// The rendered (visible) text of the first element matching `css`.
pub async fn visible_text(browser: &Client, css: &str) -> String {
    let element = step(css, browser.find(Locator::Css(css))).await;
    assert!(
        step(css, element.is_displayed()).await,
        "{css} is displayed"
    );
    step(css, element.text()).await
}

/// Saves a PNG of the viewport at `path`.
pub async fn save_screenshot(browser: &Client, path: &Path) {
    let png = step("screenshot", browser.screenshot()).await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Waits until the browser's address starts with `prefix` and returns it.
pub async fn wait_for_url(browser: &Client, prefix: &str) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let url = step("the current URL", browser.current_url()).await;
        if url.as_str().starts_with(prefix) {
            return url.as_str().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the browser never reached {prefix}: it is on {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `target/screenshots` of this workspace: `$CARGO_TARGET_DIR` when set, else `<workspace>/target`.
pub fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => workspace.join(dir), // an absolute path replaces the base
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// Where the browser and its driver are.
pub struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl BrowserTools {
    /// Both programs, or `None` after a loud notice; a panic when a browser is required.
    pub fn find(test: &str) -> Option<BrowserTools> {
        let chromium = Some(PathBuf::from("/usr/bin/chromium"))
            .filter(|p| p.is_file())
            .or_else(|| on_path("chromium"));
        let chromedriver = on_path("chromedriver");
        if let (Some(chromium), Some(chromedriver)) = (&chromium, &chromedriver) {
            return Some(BrowserTools {
                chromium: chromium.clone(),
                chromedriver: chromedriver.clone(),
            });
        }
        let missing: Vec<&str> = [
            ("chromium", chromium.is_none()),
            ("chromedriver", chromedriver.is_none()),
        ]
        .iter()
        .filter(|(_, gone)| *gone)
        .map(|(name, _)| *name)
        .collect();
        let missing = missing.join(" and ");
        let required = ["CI", "TESSERA_REQUIRE_BROWSER"]
            .iter()
            .any(|var| std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"));
        if required {
            panic!(
                "a browser is required (CI or TESSERA_REQUIRE_BROWSER is set) but {missing} \
                 is not installed: apt-get install chromium chromium-driver"
            );
        }
        // Written to the real stderr rather than with eprintln!, which the test harness
        // captures and hides for passing tests: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! SKIPPED {test}: {missing} not installed; \
             apt-get install chromium chromium-driver !!!\n"
        );
        None
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `chromedriver` in a process group of its own, with a scratch directory for the browser
/// profile and the driver's log. Dropping it kills the whole group (driver and every browser
/// process it started) and removes the directory.
pub struct ChromeDriver {
    child: Child,
    port: u16,
    scratch: PathBuf,
}

impl ChromeDriver {
    pub fn start(tools: &BrowserTools) -> ChromeDriver {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let scratch =
            std::env::temp_dir().join(format!("tessera_browser_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(scratch.join("profile")).unwrap();
        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                scratch.join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", tools.chromedriver.display()));
        ChromeDriver {
            child,
            port,
            scratch,
        }
    }

    /// Waits for the driver to be ready, then opens a headless Chromium session.
    pub async fn session(&self, tools: &BrowserTools) -> Client {
        let status = format!("http://127.0.0.1:{}/status", self.port);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let deadline = Instant::now() + STEP;
        loop {
            if let Ok(res) = http.get(&status).send().await {
                let body: Value = res.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready on port {} within {STEP:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = self.scratch.join("profile");
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
            // The console, for [`browser_log`].
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=390,844",
                    format!("--user-data-dir={}", profile.display()),
                ],
                // Headless windows are at least 500 px wide: emulate the phone's viewport so
                // the screenshots show what a 390 × 844 screen shows.
                "mobileEmulation": {
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1.0 },
                },
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        step(
            "a new Chromium session",
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{}", self.port)),
        )
        .await
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group this test created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log =
                std::fs::read_to_string(self.scratch.join("chromedriver.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let _ = writeln!(
                std::io::stderr(),
                "--- chromedriver log (last lines) ---\n{}",
                tail.join("\n")
            );
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// `url::ParseError`, named through reqwest (this crate does not depend on `url` itself).
type UrlError = <reqwest::Url as std::str::FromStr>::Err;

/// A raw WebDriver command: fantoccini sends `method` to `session/{id}/{path}` with `body`.
#[derive(Debug)]
struct SessionCommand {
    method: reqwest::Method,
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, UrlError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(|b| b.to_string()),
        )
    }
}

/// The browser console's entries since the last call (`{"level", "message", "timestamp"}`),
/// through chromedriver's log endpoint.
pub async fn browser_log(browser: &Client) -> Vec<Value> {
    let answer = step(
        "the browser log",
        browser.issue_cmd(SessionCommand {
            method: reqwest::Method::POST,
            path: "se/log".into(),
            body: Some(json!({ "type": "browser" })),
        }),
    )
    .await;
    match answer {
        Value::Array(list) => list,
        other => panic!("log entries, not {other}"),
    }
}

/// A WebDriver virtual authenticator (W3C WebAuthn Level 2 §11.3): a platform authenticator
/// that keeps discoverable credentials, verifies the user and always consents.
pub struct VirtualAuthenticator {
    pub id: String,
}

impl VirtualAuthenticator {
    /// Adds one to the session; the browser uses it for every ceremony from now on.
    pub async fn add(browser: &Client) -> VirtualAuthenticator {
        let answer = step(
            "add a virtual authenticator",
            browser.issue_cmd(SessionCommand {
                method: reqwest::Method::POST,
                path: "webauthn/authenticator".into(),
                body: Some(json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserConsenting": true,
                    "isUserVerified": true,
                })),
            }),
        )
        .await;
        let id = answer
            .as_str()
            .unwrap_or_else(|| panic!("an authenticatorId, not {answer}"))
            .to_owned();
        VirtualAuthenticator { id }
    }

    /// The credentials it holds (§11.6 Get Credentials).
    pub async fn credentials(&self, browser: &Client) -> Vec<Value> {
        let answer = step(
            "the authenticator's credentials",
            browser.issue_cmd(SessionCommand {
                method: reqwest::Method::GET,
                path: format!("webauthn/authenticator/{}/credentials", self.id),
                body: None,
            }),
        )
        .await;
        match answer {
            Value::Array(list) => list,
            other => panic!("a list of credentials, not {other}"),
        }
    }

    /// Takes it out of the session (§11.4 Remove Virtual Authenticator), with its credentials.
    pub async fn remove(self, browser: &Client) {
        step(
            "remove the virtual authenticator",
            browser.issue_cmd(SessionCommand {
                method: reqwest::Method::DELETE,
                path: format!("webauthn/authenticator/{}", self.id),
                body: None,
            }),
        )
        .await;
    }
}

/// Runs a Chrome DevTools Protocol command in the session's page through chromedriver's
/// `goog/cdp/execute` (viewport and colour-scheme emulation, full-page screenshots, scripts
/// off for the self-submitting form_post page); returns the command's result.
pub async fn cdp(browser: &Client, cmd: &str, params: Value) -> Value {
    step(
        cmd,
        browser.issue_cmd(SessionCommand {
            method: reqwest::Method::POST,
            path: "goog/cdp/execute".into(),
            body: Some(json!({ "cmd": cmd, "params": params })),
        }),
    )
    .await
}
