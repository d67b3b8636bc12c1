//! `tessera user create --role admin` and `tessera user grant-admin` as an operator uses
//! them: the contract's output of `user create` unchanged, exit 2 for a bad role or an
//! unknown account, the role really held (read back through the repository).

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use tessera_domain::{Email, Role};
use tessera_tests::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn command(db: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TESSERA_DATABASE_URL", db.url())
        .env("TESSERA_BIND", "127.0.0.1:0")
        .env("TESSERA_ISSUER", "http://127.0.0.1:8080")
        .env("TESSERA_ARGON2_MEMORY_KIB", "1024")
        .env("TESSERA_ARGON2_ITERATIONS", "1");
    cmd
}

fn create(db: &TestDatabase, dir: &std::path::Path, email: &str, extra: &[&str]) -> Output {
    let mut args = vec!["user", "create", "--email", email, "--password-stdin"];
    args.extend_from_slice(extra);
    let mut child = command(db, dir, &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    child.wait_with_output().unwrap()
}

fn roles_of(db: &TestDatabase, email: &str) -> Vec<Role> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let repos = db.migrated().await;
        let user = repos
            .users()
            .find_by_email(&Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        repos.user_roles().roles_of(&user.id).await.unwrap()
    })
}

#[test]
fn roles_are_granted_at_creation_or_later() {
    let db = TestDatabase::sqlite();
    let dir = std::env::temp_dir().join(format!("tessera-cli-roles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let out = create(&db, &dir, "ops@example.com", &["--role", "admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_object().unwrap().len(),
        2,
        "still exactly id and email: {v}"
    );
    assert_eq!(roles_of(&db, "ops@example.com"), [Role::Admin]);

    let out = create(&db, &dir, "bad@example.com", &["--role", "root"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));

    let out = create(&db, &dir, "later@example.com", &[]);
    assert!(out.status.success());
    assert!(roles_of(&db, "later@example.com").is_empty());
    let out = command(
        &db,
        &dir,
        &["user", "grant-admin", "--email", "later@example.com"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["roles"], serde_json::json!(["admin"]));
    assert_eq!(v["email"], "later@example.com");
    assert_eq!(roles_of(&db, "later@example.com"), [Role::Admin]);

    let out = command(
        &db,
        &dir,
        &["user", "grant-admin", "--email", "nobody@example.com"],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown account is bad input"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
