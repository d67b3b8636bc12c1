//! No password, client secret, token, link token, API key or admin token ever reaches the
//! logs: the real binary serves at `debug` with JSON logs, a full round of flows runs against
//! it (client credentials, introspection, revocation, registration, verification link, login,
//! refresh and reuse, wrong passwords, password change and reset, the admin API by token and by
//! API key), and everything it wrote to stderr, and every CLI output but the one that shows a
//! secret once, is searched for each secret used.

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::{json, Value};
use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const ADMIN_TOKEN: &str = "admin-token-never-logged-0123456789abcdef";
const SECRET_KEY: &str = "secret-key-never-logged-0123456789abcdef";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "another quite long passphrase";
const WRONG: &str = "this is not the right password";

struct Setup {
    dir: PathBuf,
    port: u16,
}

impl Setup {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TESSERA_DATABASE_URL", "sqlite://tessera.db")
            .env("TESSERA_BIND", format!("127.0.0.1:{}", self.port))
            .env("TESSERA_ISSUER", format!("http://127.0.0.1:{}", self.port))
            .env("TESSERA_SECRET_KEY", SECRET_KEY)
            .env("TESSERA_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("TESSERA_ARGON2_MEMORY_KIB", "1024")
            .env("TESSERA_ARGON2_ITERATIONS", "1")
            .env("TESSERA_LOCKOUT_THRESHOLD", "2")
            .env("TESSERA_LOCKOUT_BASE_SECS", "1")
            .env("TESSERA_LOCKOUT_MAX_SECS", "1")
            .env("TESSERA_MAIL__RETRY_BASE_MS", "50")
            .env("TESSERA_LOG_FORMAT", "json")
            .env("RUST_LOG", "debug");
        c
    }

    /// Runs a CLI command; returns its stdout as JSON, and its stderr goes to the log file.
    fn json(&self, args: &[&str], stdin: Option<&str>, log: &Path) -> Value {
        let err = File::options().append(true).create(true).open(log).unwrap();
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The link token in the newest `.eml` of the outbox that contains `path`.
fn link_from_outbox(dir: &Path, path: &str) -> Option<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("mail-outbox"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    for f in files.iter().rev() {
        // Undo quoted-printable soft breaks and `=` escapes; base64 bodies are not expected
        // for ASCII text.
        let raw = std::fs::read_to_string(f).ok()?;
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        let marker = format!("{path}?token=");
        if let Some(at) = text.find(&marker) {
            let token: String = text[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            return Some(token);
        }
    }
    None
}

async fn wait_for_link(dir: &Path, path: &str, not: Option<&str>) -> String {
    for _ in 0..200 {
        if let Some(t) = link_from_outbox(dir, path) {
            if Some(t.as_str()) != not {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {path} link in the outbox");
}

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let dir = std::env::temp_dir().join(format!("tessera-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = Setup {
        dir: dir.clone(),
        port,
    };
    let log = dir.join("stderr.log");
    let mut secrets: Vec<String> = vec![
        ADMIN_TOKEN.into(),
        SECRET_KEY.into(),
        PASSWORD.into(),
        NEW_PASSWORD.into(),
        WRONG.into(),
    ];

    s.json(&["migrate"], None, &log);
    let svc = s.json(
        &[
            "client",
            "create",
            "--name",
            "svc",
            "--grant",
            "client_credentials",
            "--scope",
            "read",
        ],
        None,
        &log,
    );
    let (client_id, client_secret) = (
        svc["client_id"].as_str().unwrap().to_owned(),
        svc["client_secret"].as_str().unwrap().to_owned(),
    );
    secrets.push(client_secret.clone());
    let key = s.json(
        &["apikey", "create", "--name", "ops", "--scope", "admin"],
        None,
        &log,
    );
    let api_key = key["key"].as_str().unwrap().to_owned();
    secrets.push(api_key.clone());

    let err = File::options().append(true).open(&log).unwrap();
    let server = Server(
        s.cmd(&["serve"])
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(s.url("/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Client credentials, introspection, revocation (and a wrong secret).
    let token: Value = http
        .post(s.url("/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = token["access_token"].as_str().unwrap().to_owned();
    secrets.push(at.clone());
    for (secret, form) in [
        (client_secret.as_str(), vec![("token", at.as_str())]),
        (
            "wrong-client-secret-value-0123456789",
            vec![("token", at.as_str())],
        ),
    ] {
        http.post(s.url("/introspect"))
            .basic_auth(&client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    secrets.push("wrong-client-secret-value-0123456789".into());
    http.post(s.url("/revoke"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap();

    // Registration, the verification link, logins good and bad, refresh and reuse.
    let email = "logs@example.com";
    let post = |path: &str, body: Value, bearer: Option<String>| {
        let mut r = http.post(s.url(path)).json(&body);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        r.send()
    };
    let r = post(
        "/users/register",
        json!({"email": email, "password": PASSWORD}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 202);
    let verify = wait_for_link(&dir, "/users/verify-email", None).await;
    secrets.push(verify.clone());
    let page = http
        .get(s.url(&format!("/users/verify-email?token={verify}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    post("/users/verify-email", json!({"token": verify}), None)
        .await
        .unwrap();
    let tokens: Value = post(
        "/users/login",
        json!({"email": email, "password": PASSWORD}),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let (uat, urt) = (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    );
    secrets.push(uat.clone());
    secrets.push(urt.clone());
    for _ in 0..2 {
        let r = http
            .post(s.url("/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", "tessera-account"),
                ("refresh_token", urt.as_str()),
            ])
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            let next: Value = r.json().await.unwrap();
            secrets.push(next["refresh_token"].as_str().unwrap().to_owned());
            secrets.push(next["access_token"].as_str().unwrap().to_owned());
        }
    }
    for _ in 0..3 {
        post(
            "/users/login",
            json!({"email": email, "password": WRONG}),
            None,
        )
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let tokens: Value = post(
        "/users/login",
        json!({"email": email, "password": PASSWORD}),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let uat = tokens["access_token"].as_str().unwrap().to_owned();
    secrets.push(uat.clone());
    secrets.push(tokens["refresh_token"].as_str().unwrap().to_owned());
    let me = http
        .get(s.url("/users/me"))
        .bearer_auth(&uat)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let r = post(
        "/users/me/password",
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        Some(uat.clone()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 204);

    // Password reset through the outbox.
    post("/users/password-reset", json!({"email": email}), None)
        .await
        .unwrap();
    let reset = wait_for_link(&dir, "/users/password-reset/confirm", None).await;
    secrets.push(reset.clone());
    http.get(s.url(&format!("/users/password-reset/confirm?token={reset}")))
        .send()
        .await
        .unwrap();
    let r = post(
        "/users/password-reset/confirm",
        json!({"token": reset, "password": PASSWORD}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 204);

    // The admin API by token and by API key, with a wrong token too.
    for bearer in [
        ADMIN_TOKEN,
        api_key.as_str(),
        "not-the-admin-token-0123456789",
    ] {
        http.get(s.url("/admin/users?limit=5"))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
    }
    secrets.push("not-the-admin-token-0123456789".into());
    let rotated: Value = http
        .post(s.url(&format!("/admin/clients/{client_id}/secret")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    if let Some(secret) = rotated["client_secret"].as_str() {
        secrets.push(secret.to_owned());
    }

    // Let the audit writer and the mail queue flush, then stop the server cleanly.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.0.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    drop(server);

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("\"level\""), "JSON logs were written");
    assert!(logged.lines().count() > 50, "a real amount was logged");
    for secret in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "a secret of {} characters reached the logs",
            secret.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
