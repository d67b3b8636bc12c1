//! The `tessera` binary as an operator uses it: commands, JSON output, exit codes, `serve` with a
//! graceful SIGTERM, on SQLite and PostgreSQL.

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tessera_tests::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

struct Env {
    dir: PathBuf,
    db_url: String,
    port: u16,
}

impl Env {
    fn new(db: &TestDatabase) -> Env {
        let dir = std::env::temp_dir().join(format!(
            "tessera-cli-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Env {
            dir,
            db_url: db.url().to_owned(),
            port,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TESSERA_DATABASE_URL", &self.db_url)
            .env("TESSERA_BIND", format!("127.0.0.1:{}", self.port))
            .env("TESSERA_ISSUER", format!("http://127.0.0.1:{}", self.port))
            .env("TESSERA_KEY_REFRESH_SECS", "1")
            .env("RUST_LOG", "warn");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("tessera runs")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON value on stdout")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish()
}

struct Server(Child);

impl Server {
    fn start(env: &Env) -> Server {
        let child = env
            .cmd(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::blocking_get(&env.url("/readyz")) {
                if r == 200 {
                    return server;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not become ready");
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

mod reqwest {
    //! A tiny blocking wrapper over the async client, for a test that drives a child process.
    pub use ::reqwest::*;

    pub fn blocking_get(url: &str) -> Result<u16> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { Ok(Client::new().get(url).send().await?.status().as_u16()) })
    }
}

fn walkthrough(db: TestDatabase) {
    let env = Env::new(&db);
    let server = Server::start(&env);

    let created = env.json(&[
        "client",
        "create",
        "--name",
        "svc",
        "--grant",
        "client_credentials",
        "--scope",
        "read write",
    ]);
    let obj = created.as_object().unwrap();
    assert_eq!(
        obj.len(),
        2,
        "exactly client_id and client_secret: {created}"
    );
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 43, "at least 256 bits");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = ::reqwest::Client::new();
    let (at, active, inactive) = rt.block_on(async {
        let tok: Value = http
            .post(env.url("/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let at = tok["access_token"].as_str().unwrap().to_owned();
        let active: Value = http
            .post(env.url("/introspect"))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", &at)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let revoked = http
            .post(env.url("/revoke"))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", &at)])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(revoked, 200);
        let inactive: Value = http
            .post(env.url("/introspect"))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", &at)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (at, active, inactive)
    });
    assert_eq!(at.split('.').count(), 3);
    assert_eq!(active["active"], true);
    assert_eq!(active["scope"], "read write");
    assert_eq!(inactive, serde_json::json!({"active": false}));

    let list = env.json(&["client", "list"]);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == id.as_str()));
    assert!(
        !list.to_string().contains(&secret),
        "the secret is never listed"
    );

    let keys = env.json(&["keys", "list"]);
    let states: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["state"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"active") && states.contains(&"next"),
        "{keys}"
    );
    // Forced: the first start published no ES256 key ahead (cli_keys.rs tests the refusal).
    let rotated = env.json(&["keys", "rotate", "--alg", "ES256", "--force"]);
    assert_eq!(rotated["alg"], "ES256");
    let keys = env.json(&["keys", "list"]);
    let by_state = |s: &str| {
        keys.as_array()
            .unwrap()
            .iter()
            .filter(|k| k["state"] == s)
            .count()
    };
    assert_eq!(by_state("active"), 1);
    assert_eq!(by_state("retiring"), 1, "{keys}");

    let deleted = env.json(&["client", "delete", &id]);
    assert_eq!(deleted["deleted"], id.as_str());

    let status = server.terminate();
    assert!(status.success(), "SIGTERM is a clean exit: {status:?}");
    if let Some(path) = db.url().strip_prefix("sqlite://") {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(format!("{path}.secret-key"))
            .expect("development secret key file beside the database");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn walkthrough_sqlite() {
    walkthrough(TestDatabase::sqlite());
}

#[test]
fn walkthrough_postgres() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Some(db) = rt.block_on(TestDatabase::postgres()) {
        walkthrough(db);
    }
}

/// `--grant` takes the token-exchange URN and `--exchange-audience` (repeatable) sets the
/// client's exchange policy, shown by `client list`.
#[test]
fn client_create_takes_the_token_exchange_grant_and_its_audiences() {
    const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
    let db = TestDatabase::sqlite();
    let env = Env::new(&db);
    let created = env.json(&[
        "client",
        "create",
        "--name",
        "gateway",
        "--grant",
        GRANT,
        "--exchange-audience",
        "https://api.example/",
        "--exchange-audience",
        "urn:example:mail",
    ]);
    let id = created["client_id"].as_str().unwrap().to_owned();
    let list = env.json(&["client", "list"]);
    let client = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(client["grant_types"], serde_json::json!([GRANT]));
    assert_eq!(
        client["exchange_audiences"],
        serde_json::json!(["https://api.example/", "urn:example:mail"])
    );
}

#[test]
fn exit_codes_and_one_line_errors() {
    let db = TestDatabase::sqlite();
    let env = Env::new(&db);
    let bad_input = [
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "javascript:alert(1)",
        ],
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "http://evil.example/cb",
            "--grant",
            "authorization_code",
        ],
        // Issue 11: wildcards and userinfo are refused at registration.
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "https://*.rp.test/cb",
        ],
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "https://rp.test/cb*",
        ],
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "http://127.0.0.1:1@evil.example/cb",
        ],
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "https://rp.test/cb",
            "--post-logout-redirect-uri",
            "https://*.rp.test/bye",
        ],
        vec!["client", "create", "--name", "x", "--grant", "password"],
        vec![
            "client",
            "create",
            "--name",
            "x",
            "--exchange-audience",
            "https://api.example/#fragment",
        ],
        vec!["client", "delete", "no-such-client"],
        vec!["keys", "rotate", "--alg", "HS256"],
        vec!["no-such-command"],
    ];
    for args in bad_input {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{args:?} explains itself");
        assert!(out.stdout.is_empty(), "{args:?} prints nothing on stdout");
    }
    let out = env
        .cmd(&["migrate"])
        .env("TESSERA_BIND", "nowhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bind"), "names the key: {err}");
    assert_eq!(err.trim().lines().count(), 1);

    let out = env
        .cmd(&["migrate"])
        .env("TESSERA_ENVIRONMENT", "production")
        .env("TESSERA_ISSUER", "https://id.example")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("secret_key"));
}

#[test]
fn a_wrong_secret_key_is_refused_at_start_up() {
    let db = TestDatabase::sqlite();
    let env = Env::new(&db);
    let first = env
        .cmd(&["keys", "list"])
        .env(
            "TESSERA_SECRET_KEY",
            "a-first-secret-key-that-is-long-enough",
        )
        .output()
        .unwrap();
    assert!(first.status.success());
    // serve creates the key with the first secret...
    let out = env
        .cmd(&["keys", "rotate"])
        .env(
            "TESSERA_SECRET_KEY",
            "a-first-secret-key-that-is-long-enough",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // ...and a different secret cannot decrypt it: a clear error, exit 1, no garbage keys.
    let out = env
        .cmd(&["serve"])
        .env(
            "TESSERA_SECRET_KEY",
            "another-secret-key-that-is-long-enough",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secret_key"), "{err}");
    assert!(!err.contains("another-secret"), "the secret is not echoed");
}

#[test]
fn r_03_sigterm_stops_accepting_and_exits_zero() {
    let db = TestDatabase::sqlite();
    let env = Env::new(&db);
    let server = Server::start(&env);
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        reqwest::blocking_get(&env.url("/healthz")).is_err(),
        "no longer listening"
    );
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    use std::io::Write;
    let db = TestDatabase::sqlite();
    let env = Env::new(&db);
    let create = |email: &str, password: &str| {
        let mut child = env
            .cmd(&[
                "user",
                "create",
                "--email",
                email,
                "--password-stdin",
                "--name",
                "Ada",
                "--verified",
            ])
            .env("TESSERA_ARGON2_MEMORY_KIB", "1024")
            .env("TESSERA_ARGON2_ITERATIONS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create("ada@example.com", "correct horse battery staple\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2, "exactly id and email: {v}");
    assert_eq!(v["email"], "ada@example.com");
    assert_eq!(v["id"].as_str().unwrap().len(), 36);

    for (email, password, why) in [
        ("ada@example.com", "another long password here", "duplicate"),
        (
            "ADA@Example.com",
            "another long password here",
            "duplicate in another case",
        ),
        ("not-an-email", "correct horse battery staple", "bad email"),
        ("bob@example.com", "short", "short password"),
        ("bob@example.com", "password1234567", "common password"),
        ("bob@example.com", "bob amber quiet river", "email name"),
    ] {
        let out = create(email, password);
        assert_eq!(out.status.code(), Some(2), "{why}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{why}: {err}");
        assert!(!err.contains(password), "the password is never echoed");
    }
    let out = create("bob@example.com", "qwertyuiopasdfgh");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too common or too easy to guess"), "{err}");
    let out = env.run(&["user", "create", "--email", "c@example.com"]);
    assert_eq!(out.status.code(), Some(2), "--password-stdin is required");
}
