//! `tessera keys rotate` and the development secret-key file as an operator meets them: a
//! rotation too soon after the last is refused (exit 2, one line), `--force` overrides, and a
//! key file others can read is warned about.

// Helpers outside `#[test]` functions (spawning the binary, reading its output) are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an integration test binary: a failed expectation is meant to panic"
)]

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use tessera_tests::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// Runs the binary on `db` from a scratch directory, logging warnings to stderr.
fn run(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TESSERA_DATABASE_URL", db.url())
        .env("TESSERA_BIND", "127.0.0.1:0")
        .env("TESSERA_ISSUER", "http://127.0.0.1:8080")
        .env("RUST_LOG", "warn")
        .output()
        .expect("tessera runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("one JSON value on stdout")
}

fn key_file(db: &TestDatabase) -> PathBuf {
    let mut p = db.sqlite_path().unwrap().into_os_string();
    p.push(".secret-key");
    PathBuf::from(p)
}

#[test]
fn keys_r_04_a_second_rotate_before_caches_know_the_key_is_refused_unless_forced() {
    let db = TestDatabase::sqlite();
    // The first start makes the active key and publishes its successor just now (`serve`
    // would too): a rotation on a database with no key yet has nothing to wait for.
    json(&run(&db, &["keys", "rotate"]));
    let keys = json(&run(&db, &["keys", "list"]));
    let active = |keys: &Value| {
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["state"] == "active")
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let first = active(&keys);

    for args in [
        &["keys", "rotate"][..],
        &["keys", "rotate", "--alg", "ES256"],
    ] {
        let out = run(&db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains("rotation is allowed in "), "says when: {err}");
        assert!(err.contains("--force"), "names the override: {err}");
        assert_eq!(active(&json(&run(&db, &["keys", "list"]))), first);
    }

    let forced = json(&run(&db, &["keys", "rotate", "--force"]));
    assert_eq!(forced["state"], "active");
    let now_active = active(&json(&run(&db, &["keys", "list"])));
    assert_ne!(now_active, first);
    assert_eq!(forced["kid"], now_active.as_str());
}

#[test]
fn keys_a_secret_key_file_readable_by_others_is_warned_about_at_start() {
    let db = TestDatabase::sqlite();
    let out = run(&db, &["keys", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = key_file(&db);
    let key = std::fs::read_to_string(&path).unwrap();
    let key = key.trim();

    // Owner-only, as created: no warning.
    let out = run(&db, &["keys", "list"]);
    assert!(
        !stderr(&out).contains("secret key file"),
        "{}",
        stderr(&out)
    );

    for mode in [0o644, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run(&db, &["keys", "list"]);
        assert!(out.status.success(), "still starts: {}", stderr(&out));
        let err = stderr(&out);
        let line = err
            .lines()
            .find(|l| l.contains("secret key file"))
            .unwrap_or_else(|| panic!("a warning for {mode:o}: {err}"));
        assert!(line.contains(&path.display().to_string()), "{line}");
        assert!(line.contains("WARN"), "{line}");
        assert!(!err.contains(key), "the key is never logged");
    }
}
