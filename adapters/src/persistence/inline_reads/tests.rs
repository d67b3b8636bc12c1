use super::*;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection) -> QueryResult<i64> {
    diesel::sql_query("SELECT count(*) AS n FROM t")
        .get_result::<N>(conn)
        .map(|r| r.n)
}

#[test]
fn reads_what_other_connections_committed_and_cannot_write() {
    let dir = std::env::temp_dir().join(format!("tessera-inline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.db").to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&path);
    let mut writer = SqliteConnection::establish(&path).unwrap();
    writer
        .batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
        .unwrap();
    let reader = InlineReader::new(&path);
    assert_eq!(reader.read(count), Some(0));
    writer.batch_execute("INSERT INTO t VALUES (1);").unwrap();
    assert_eq!(reader.read(count), Some(1), "sees the commit");
    let wrote = reader.read(|c| c.batch_execute("INSERT INTO t VALUES (2);"));
    assert_eq!(wrote, None, "query_only");
    assert_eq!(reader.read(count), Some(1));
    // A read inside a read is refused rather than deadlocking or panicking.
    assert_eq!(reader.read(|_| Ok(reader.read(count))), Some(None));
    assert_eq!(
        InlineReader::new(&format!("{path}.missing")).read(count),
        None
    );
    let _ = std::fs::remove_dir_all(&dir);
}
