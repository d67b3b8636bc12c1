//! SQLite on a full disk: the database lives on a small tmpfs mounted for the
//! test (we run as root; without the right to mount, the test says so and is skipped), which
//! is then filled. Writes answer 503 with `Retry-After`, never 500, and none is acknowledged
//! without being stored; after space is freed the same process writes again, `PRAGMA
//! integrity_check` is `ok`, and every token and revocation acknowledged before or during
//! the shortage holds. SQLite only: PostgreSQL's disk is the shared server's.

use crate::cluster::{Cluster, Creds};
use crate::load::{report, summary, Recorder, Sample};
use reqwest::StatusCode;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tessera_tests::TestDatabase;

const PASSWORD: &str = "a long and unusual passphrase";
/// The filesystem: room for the schema, the WAL and a few writes.
const SIZE: &str = "24m";
const WRITES: usize = 60;

/// A tmpfs mounted on a directory, lazily unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={SIZE},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .ok()?;
        if out.status.success() {
            Some(Mount(dir.to_owned()))
        } else {
            report(&format!(
                "!!! SKIPPED disk-full test: cannot mount a tmpfs ({}) !!!",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            None
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fills the filesystem of `dir` to the last byte with one file; its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0xA5u8; 64 * 1024];
    for size in [64 * 1024, 4096, 512, 1] {
        loop {
            match f.write(&chunk[..size]) {
                Ok(n) if n == size => {}
                _ => break,
            }
        }
    }
    let _ = f.sync_all();
    path
}

/// A login (a new refresh token stored) or a revocation (a denylist entry); the samples.
async fn writes(
    c: &Cluster,
    rec: &Recorder,
    svc: &Creds,
    email: &str,
    tokens: &[String],
) -> Vec<Sample> {
    let before = rec.samples().len();
    for k in 0..WRITES {
        let req = if k % 2 == 0 {
            c.http
                .post(c.node(0).url("/users/login"))
                .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        } else {
            c.http
                .post(c.node(0).url("/revoke"))
                .basic_auth(&svc.id, Some(&svc.secret))
                .form(&[("token", tokens[k / 2].as_str())])
        };
        let _ = rec
            .send(if k % 2 == 0 { "login" } else { "revoke" }, req)
            .await;
    }
    rec.samples()[before..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by make test-faults"]
async fn sqlite_disk_full_answers_503_and_recovers() {
    let db = TestDatabase::sqlite();
    let dir = db.sqlite_path().unwrap().parent().unwrap().to_owned();
    let Some(mount) = Mount::tmpfs(&dir) else {
        return;
    };
    let c = Cluster::start(db, 1, &[]).await;
    let pid = c.node(0).pid();
    let svc = c.service_client(0).await;
    let email = "full@example.com";
    c.create_user(email, PASSWORD);
    let before: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..WRITES {
            v.push(c.token(0, &svc).await);
        }
        v
    };
    let rec = Recorder::new();

    let filler = fill(&dir);
    let during = writes(&c, &rec, &svc, email, &before).await;
    report(&format!("disk full: {}", summary(&during)));
    let statuses: Vec<Option<u16>> = during.iter().map(|s| s.status).collect();
    for s in &during {
        let status = s.status.expect("an answer");
        assert!(
            status == 200 || status == 503,
            "a write on a full disk is 200 (stored) or 503, not {status}: {s:?}"
        );
        if status == 503 {
            assert!(s.retry_after, "Retry-After: {s:?}");
        }
    }
    assert!(
        statuses.contains(&Some(503)),
        "the disk filled up: some write was refused: {statuses:?}"
    );
    let stored_revocations: Vec<&String> = during
        .iter()
        .enumerate()
        .filter(|(k, s)| k % 2 == 1 && s.status == Some(200))
        .map(|(k, _)| &before[k / 2])
        .collect();

    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    loop {
        let (s, _) = c.login(0, email, PASSWORD).await;
        if s == StatusCode::OK {
            break;
        }
        assert!(freed.elapsed() < Duration::from_secs(15), "recovers: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report(&format!(
        "disk full: writing again {:?} after space was freed",
        freed.elapsed()
    ));
    assert_eq!(c.node(0).pid(), pid, "no restart");
    let check =
        c.db.query_text("SELECT integrity_check AS value FROM pragma_integrity_check()")
            .await;
    assert_eq!(check, "ok");
    for (k, t) in before.iter().enumerate() {
        let revoked = stored_revocations.contains(&t);
        assert_eq!(c.active(0, &svc, t).await, !revoked, "token {k}");
    }
    let t = c.token(0, &svc).await;
    assert_eq!(c.revoke(0, &svc, &t).await, StatusCode::OK);
    assert!(!c.active(0, &svc, &t).await);
    // Processes first (they hold the files), then the mount, then the database's directory.
    let Cluster { nodes, db, .. } = c;
    drop(nodes);
    drop(mount);
    drop(db);
}
