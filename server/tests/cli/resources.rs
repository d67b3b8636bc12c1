//! `tessera resource create|list|delete` as an operator uses it: JSON output, exit codes
//! 0 / 2 / 1, on SQLite and PostgreSQL.

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::{json, Value};
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
        let dir = std::env::temp_dir().join(format!(
            "tessera-cli-resource-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Env {
            dir,
            db_url: db_url.to_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TESSERA_DATABASE_URL", &self.db_url)
            .env("TESSERA_BIND", "127.0.0.1:0")
            .env("TESSERA_ISSUER", "http://127.0.0.1:8080")
            .output()
            .expect("tessera runs")
    }

    /// Runs a command that must succeed; its stdout as JSON.
    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        serde_json::from_slice(&out.stdout).expect("one JSON value on stdout")
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

const MCP: &str = "https://mcp.example.com/mcp";

fn lifecycle(db: TestDatabase) {
    let env = Env::new(db.url());
    assert_eq!(env.json(&["resource", "list"]), json!([]));

    let created = env.json(&[
        "resource",
        "create",
        "--identifier",
        MCP,
        "--name",
        "Notes MCP",
        "--scope",
        "notes:write notes:read",
        "--client",
        "notes-api",
    ]);
    assert_eq!(
        created,
        json!({ "identifier": MCP, "name": "Notes MCP", "scope": "notes:read notes:write",
                "clients": ["notes-api"] })
    );
    let plain = env.json(&["resource", "create", "--identifier", "urn:example:api"]);
    assert_eq!(
        plain,
        json!({ "identifier": "urn:example:api", "name": "urn:example:api", "scope": "",
                "clients": [] })
    );

    let list = env.json(&["resource", "list"]);
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let mine = listed.iter().find(|r| r["identifier"] == MCP).unwrap();
    assert_eq!(mine["name"], "Notes MCP");
    assert_eq!(mine["scope"], "notes:read notes:write");
    assert_eq!(mine["clients"], json!(["notes-api"]));
    assert!(mine["created_at"].as_i64().unwrap() > 0);

    let dup = env.fails(
        &["resource", "create", "--identifier", MCP, "--name", "Again"],
        2,
    );
    assert!(dup.contains("already registered"), "{dup}");

    assert_eq!(
        env.json(&["resource", "delete", MCP]),
        json!({ "deleted": MCP })
    );
    let again = env.fails(&["resource", "delete", MCP], 2);
    assert!(again.contains(MCP), "{again}");
    let list = env.json(&["resource", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["identifier"], "urn:example:api");
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
    let long = "n".repeat(201);
    for args in [
        vec![
            "resource",
            "create",
            "--identifier",
            "https://mcp.example/#frag",
        ],
        vec!["resource", "create", "--identifier", "not a uri"],
        vec!["resource", "create", "--identifier", "/relative"],
        vec!["resource", "create", "--identifier", "https://"],
        vec!["resource", "create", "--identifier", MCP, "--name", &long],
        vec!["resource", "create", "--identifier", MCP, "--name", " "],
        vec!["resource", "create", "--identifier", MCP, "--scope", "a  b"],
        vec!["resource", "create"],
        vec!["resource", "delete"],
        vec!["resource", "delete", "urn:never:registered"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} prints nothing on stdout");
        assert!(!out.stderr.is_empty(), "{args:?} explains itself");
    }
    let fragment = env.fails(
        &[
            "resource",
            "create",
            "--identifier",
            "https://mcp.example/#frag",
        ],
        2,
    );
    assert!(fragment.contains("fragment"), "{fragment}");
    assert_eq!(
        env.json(&["resource", "list"]),
        json!([]),
        "nothing was stored"
    );

    let unreachable = Env::new("postgres://postgres@127.0.0.1:1/tessera");
    unreachable.fails(&["resource", "list"], 1);
}
