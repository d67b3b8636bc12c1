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
use std::future::Future;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::TestApp;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use openidconnect::CsrfToken;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, Backend, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// Markup in the name: the pages must show it as text.
const CLIENT_NAME: &str = "Notes <App>";
const SCOPE: &str = "openid profile email";
/// The longest any one step may take: a WebDriver command, a page load, a process start.
const STEP: Duration = Duration::from_secs(30);

async fn chromium_signs_in_through_login_consent_and_callback(db: TestDatabase) {
    let Some(tools) = BrowserTools::find() else {
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

    // PKCE S256 (RFC 7636 §4.1-4.2): a 43-character verifier from 32 random bytes.
    let verifier = CsrfToken::new_random_len(32).secret().clone();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = CsrfToken::new_random().secret().clone();
    let nonce = CsrfToken::new_random().secret().clone();
    let authorize = format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", creds.id.as_str()),
            ("redirect_uri", rp.callback().as_str()),
            ("scope", SCOPE),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .unwrap()
    );

    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    let shots = screenshot_dir();

    // The login page.
    step("open the authorize URL", browser.goto(&authorize)).await;
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
    assert_eq!(params.get("state"), Some(&state), "state comes back");
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
    let res = app
        .post_form(
            "/token",
            Some(&creds),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &rp.callback()),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    let payload = id_token.split('.').nth(1).expect("a JWS");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
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

/// Runs one step, failing the test if it takes longer than [`STEP`].
async fn step<T>(what: &str, fut: impl Future<Output = T>) -> T::Ok
where
    T: ResultLike,
{
    match tokio::time::timeout(STEP, fut).await {
        Ok(result) => result.into_ok(what),
        Err(_) => panic!("{what}: nothing within {STEP:?}"),
    }
}

/// A `Result` whose error is shown when a step fails.
trait ResultLike {
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
async fn visible_text(browser: &Client, css: &str) -> String {
    let element = step(css, browser.find(Locator::Css(css))).await;
    assert!(
        step(css, element.is_displayed()).await,
        "{css} is displayed"
    );
    step(css, element.text()).await
}

async fn save_screenshot(browser: &Client, path: &Path) {
    let png = step("screenshot", browser.screenshot()).await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Waits until the browser's address starts with `prefix` and returns it.
async fn wait_for_url(browser: &Client, prefix: &str) -> String {
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
fn screenshot_dir() -> PathBuf {
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
struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl BrowserTools {
    /// Both programs, or `None` after a loud notice; a panic when a browser is required.
    fn find() -> Option<BrowserTools> {
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
            "\n!!! SKIPPED browser sign-in test: {missing} not installed; \
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `chromedriver` in a process group of its own, with a scratch directory for the browser
/// profile and the driver's log. Dropping it kills the whole group (driver and every browser
/// process it started) and removes the directory.
struct ChromeDriver {
    child: Child,
    port: u16,
    scratch: PathBuf,
}

impl ChromeDriver {
    fn start(tools: &BrowserTools) -> ChromeDriver {
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
    async fn session(&self, tools: &BrowserTools) -> Client {
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

/// A relying party's redirect endpoint: answers `GET /callback?…` with a page echoing the code
/// and records each query string it received. Stops when dropped.
struct StubRelyingParty {
    port: u16,
    queries: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl StubRelyingParty {
    async fn start() -> StubRelyingParty {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let queries = Arc::new(Mutex::new(Vec::new()));
        let recorded = queries.clone();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts the connections too.
            let mut connections = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                connections.spawn(answer(socket, recorded.clone()));
                while connections.try_join_next().is_some() {}
            }
        });
        StubRelyingParty {
            port,
            queries,
            task,
        }
    }

    fn callback(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// The query of the first callback, waiting for it.
    async fn wait_for_callback(&self) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            if let Some(q) = self.queries.lock().unwrap().first() {
                return q.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no callback reached the relying party"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for StubRelyingParty {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head and answers it; the connection is then closed.
async fn answer(mut socket: TcpStream, queries: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(STEP, async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    if read != Ok(true) {
        return;
    }
    let head = String::from_utf8_lossy(&head);
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (
        request_line.next().unwrap_or(""),
        request_line.next().unwrap_or(""),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, body) = if method == "GET" && path == "/callback" {
        queries.lock().unwrap().push(query.to_owned());
        let params: BTreeMap<String, String> =
            serde_urlencoded::from_str(query).unwrap_or_default();
        let code = params.get("code").map(String::as_str).unwrap_or("");
        let code = code
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        (
            "200 OK",
            format!(
                "<!doctype html>\n<title>Stub relying party</title>\n\
                 <h1>Stub relying party</h1>\n<p>code: <code id=\"code\">{code}</code></p>\n"
            ),
        )
    } else {
        ("404 Not Found", "not found\n".to_owned())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}
