//! `tessera apikey create|list|revoke` as an operator uses it: JSON output, the key shown only
//! by `create`, exit codes 0 / 2 / 1, on SQLite and PostgreSQL.

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};
use tessera_tests::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// A working directory and the environment configuration of one test database.
struct Env {
    dir: PathBuf,
    db_url: String,
}

impl Env {
    fn new(db_url: &str) -> Env {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir =
            std::env::temp_dir().join(format!("tessera-cli-apikey-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Env {
            dir,
            db_url: db_url.to_owned(),
        }
    }

    /// Runs the binary; logs at `info`, so a key that reached a log line would show.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TESSERA_DATABASE_URL", &self.db_url)
            .env("TESSERA_BIND", "127.0.0.1:0")
            .env("TESSERA_ISSUER", "http://127.0.0.1:8080")
            .env("RUST_LOG", "info")
            .output()
            .expect("tessera runs")
    }

    /// Runs a command that must succeed; its stdout as JSON, and its stderr.
    fn json(&self, args: &[&str]) -> (Value, String) {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        let v = serde_json::from_slice(&out.stdout).expect("one JSON value on stdout");
        (v, stderr)
    }

    /// Runs a command that must fail with `code` and one line on stderr, nothing on stdout.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} prints nothing on stdout");
        let line = stderr.trim().lines().last().unwrap_or_default().to_owned();
        assert!(line.starts_with("tessera: "), "{args:?}: {stderr}");
        line
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn lifecycle(db: TestDatabase) {
    let env = Env::new(db.url());

    let before = now();
    let (created, stderr) = env.json(&[
        "apikey",
        "create",
        "--name",
        "deploy bot",
        "--scope",
        "write read",
        "--expires-in-days",
        "30",
    ]);
    let obj = created.as_object().unwrap();
    let mut fields: Vec<&str> = obj.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["expires_at", "id", "key", "name", "scopes"]);
    let id = created["id"].as_str().unwrap().to_owned();
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 8);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(key, format!("tsk_{id}{}", &key[12..]));
    assert_eq!(key.len(), 4 + 8 + 43, "256-bit secret");
    assert_eq!(created["name"], "deploy bot");
    assert_eq!(created["scopes"], "read write");
    let expires_at = created["expires_at"].as_i64().unwrap();
    assert!((before + 30 * 86_400..=now() + 30 * 86_400).contains(&expires_at));
    assert!(!stderr.contains(&key[12..]), "the key is never logged");

    let (forever, _) = env.json(&["apikey", "create", "--name", "n", "--scope", "read"]);
    assert_eq!(forever["expires_at"], Value::Null);
    let other = forever["id"].as_str().unwrap().to_owned();
    assert_ne!(other, id);

    let (list, stderr) = env.json(&["apikey", "list"]);
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let mine = listed.iter().find(|k| k["id"] == id.as_str()).unwrap();
    assert_eq!(mine["name"], "deploy bot");
    assert_eq!(mine["scopes"], "read write");
    assert_eq!(mine["expires_at"], expires_at);
    assert_eq!(mine["revoked_at"], Value::Null);
    assert_eq!(mine["last_used_at"], Value::Null);
    assert!(mine["created_at"].as_i64().unwrap() >= before);
    let text = list.to_string();
    assert!(!text.contains(&key[12..]) && !stderr.contains(&key[12..]));
    assert!(!text.contains("digest") && !text.contains("\"key\""));

    let (revoked, _) = env.json(&["apikey", "revoke", &id]);
    assert_eq!(revoked, serde_json::json!({ "id": id, "revoked": true }));
    let (list, _) = env.json(&["apikey", "list"]);
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(mine["revoked_at"].as_i64().unwrap() >= before);

    let again = env.fails(&["apikey", "revoke", &id], 2);
    assert!(again.contains(&id), "{again}");
    env.fails(&["apikey", "revoke", "zzzz9999"], 2);
    env.fails(&["apikey", "revoke", "not a key id"], 2);
}

#[test]
fn lifecycle_sqlite() {
    lifecycle(TestDatabase::sqlite());
}

#[test]
fn lifecycle_postgres() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Some(db) = rt.block_on(TestDatabase::postgres()) {
        lifecycle(db);
    }
}

#[test]
fn bad_input_is_exit_2_and_storage_failure_exit_1() {
    let db = TestDatabase::sqlite();
    let env = Env::new(db.url());
    let long = "n".repeat(101);
    for args in [
        vec!["apikey", "create", "--name", "", "--scope", "read"],
        vec!["apikey", "create", "--name", &long, "--scope", "read"],
        vec!["apikey", "create", "--name", "a\u{1b}b", "--scope", "read"],
        vec!["apikey", "create", "--name", "x", "--scope", ""],
        vec!["apikey", "create", "--name", "x", "--scope", "read  write"],
        vec!["apikey", "create", "--name", "x", "--scope", "a\"b"],
        vec![
            "apikey",
            "create",
            "--name",
            "x",
            "--scope",
            "read",
            "--expires-in-days",
            "0",
        ],
        vec![
            "apikey",
            "create",
            "--name",
            "x",
            "--scope",
            "read",
            "--expires-in-days",
            "-1",
        ],
        vec!["apikey", "create", "--name", "x"],
        vec!["apikey", "revoke"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} prints nothing on stdout");
        assert!(!out.stderr.is_empty(), "{args:?} explains itself");
    }
    let (list, _) = env.json(&["apikey", "list"]);
    assert_eq!(list, serde_json::json!([]), "nothing was stored");

    let unreachable = Env::new("postgres://postgres@127.0.0.1:1/tessera");
    unreachable.fails(&["apikey", "list"], 1);
}
