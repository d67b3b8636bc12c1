//! Test 10: Processes started at once on a fresh PostgreSQL database migrate it once: the
//! advisory lock makes them take turns, so all come up ready, each migration is recorded (and
//! logged as applied) exactly once, and there is one active signing key.
//! PostgreSQL only: R-09 is about PostgreSQL; SQLite serialises migrations by its file lock
//! (one `BEGIN IMMEDIATE` for the whole run), exercised by every other test of this binary.

use crate::cluster::Cluster;
use reqwest::{Method, StatusCode};
use tessera_tests::TestDatabase;

/// How many migrations the repository holds for PostgreSQL.
fn postgres_migrations() -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count()
}

/// Three processes started together on a fresh database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_started_together_migrate_once() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let mut c = Cluster::empty(db, &[]);
    for i in 0..3 {
        c.spawn_node(i);
    }
    c.wait_all();
    for i in 0..3 {
        let res = c.http.get(c.node(i).url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{} ready", c.node(i).name);
    }

    let expected = postgres_migrations();
    let recorded =
        c.db.query_text("SELECT count(*)::text AS value FROM __diesel_schema_migrations")
            .await;
    let distinct = c
        .db
        .query_text("SELECT count(DISTINCT version)::text AS value FROM __diesel_schema_migrations")
        .await;
    assert_eq!(recorded, expected.to_string(), "every migration recorded");
    assert_eq!(distinct, recorded, "none recorded twice");
    let applied: usize = c
        .nodes
        .iter()
        .map(|n| n.log_text().matches("applied database migration").count())
        .sum();
    assert_eq!(
        applied, expected,
        "each migration applied by one process only"
    );

    let (s, keys) = c.admin(0, Method::GET, "/admin/keys", None).await;
    assert_eq!(s, StatusCode::OK);
    let active = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["state"] == "active")
        .count();
    assert_eq!(
        active, 1,
        "one first signing key, not one per process: {keys}"
    );
    // The processes serve as one: a token from C introspects on A.
    let svc = c.service_client(1).await;
    let at = c.token(2, &svc).await;
    assert!(c.active(0, &svc, &at).await);
}
