use super::*;
use crate::persistence::{Database, PoolOptions};

fn mode(path: &str) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_a_fresh_sqlite_database_and_its_wal_and_shm_are_0600() {
    let dir = std::env::temp_dir().join(format!(
        "tessera-db-mode-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let path = dir.join("sub").join("t.db").display().to_string();
    let db = Database::connect(&format!("sqlite://{path}"), PoolOptions::default())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    // A read through the pool keeps a connection on the file, so the WAL the migration
    // wrote and the shared-memory index stay.
    db.signing_keys().list().await.unwrap();
    for f in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
        assert_eq!(mode(&f), DB_FILE_MODE, "{f}");
    }
    db.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keys_an_existing_database_file_keeps_its_mode() {
    let path = std::env::temp_dir().join(format!("tessera-db-keep-{}", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
    let p = path.display().to_string();
    prepare(&p).unwrap();
    assert_eq!(mode(&p), 0o640);
    let _ = std::fs::remove_file(&path);
}
