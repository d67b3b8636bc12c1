//! The repository contract of protected resources (RFC 8707), on the in-memory store, SQLite
//! and PostgreSQL.

use tessera_application::RepositoryError;
use tessera_domain::{Resource, ResourceIdentifier, ScopeSet, UnixTime};
use tessera_tests::{all_backends, both_backends, TestBackend, TestDatabase};

fn id(s: &str) -> ResourceIdentifier {
    ResourceIdentifier::parse(s).unwrap()
}

fn resource(identifier: &str, created_at: i64) -> Resource {
    Resource {
        clients: Vec::new(),
        identifier: id(identifier),
        name: format!("API ☃ \"{identifier}\""),
        scope: ScopeSet::parse("read write mcp:tools").unwrap(),
        created_at: UnixTime::from_secs(created_at),
    }
}

async fn resources_round_trip_every_field(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.resources();
    let api = resource("https://api.example.com/v1?tenant=a&x='1'", 100);
    let urn = Resource {
        scope: ScopeSet::parse("").unwrap(),
        ..resource("urn:example:mcp", i64::MAX)
    };
    repo.insert(&api).await.unwrap();
    repo.insert(&urn).await.unwrap();
    assert_eq!(repo.find(&api.identifier).await.unwrap(), Some(api.clone()));
    assert_eq!(repo.find(&urn.identifier).await.unwrap(), Some(urn));
    assert_eq!(
        repo.find(&id("https://api.example.com/v1")).await.unwrap(),
        None,
        "compared exactly, the query is part of it"
    );
    assert_eq!(
        repo.find(&id("HTTPS://api.example.com/v1?tenant=a&x='1'"))
            .await
            .unwrap(),
        None,
        "compared exactly, case counts"
    );
}
all_backends!(resources_round_trip, resources_round_trip_every_field);

async fn a_taken_identifier_is_a_conflict(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.resources();
    let first = resource("https://api.example.com", 100);
    repo.insert(&first).await.unwrap();
    let clash = Resource {
        name: "Another".into(),
        ..resource("https://api.example.com", 200)
    };
    assert!(matches!(
        repo.insert(&clash).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(repo.find(&first.identifier).await.unwrap(), Some(first));
}
all_backends!(identifier_clash, a_taken_identifier_is_a_conflict);

async fn list_is_oldest_first(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.resources();
    assert!(repo.list().await.unwrap().is_empty());
    let (old, new, same_time) = (
        resource("https://c.example.com", 100),
        resource("https://b.example.com", 300),
        resource("https://a.example.com", 300),
    );
    for r in [&old, &new, &same_time] {
        repo.insert(r).await.unwrap();
    }
    assert_eq!(repo.list().await.unwrap(), vec![old, same_time, new]);
}
all_backends!(list_order, list_is_oldest_first);

async fn delete_removes_once(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.resources();
    let kept = resource("https://kept.example.com", 100);
    let gone = resource("https://gone.example.com", 200);
    repo.insert(&kept).await.unwrap();
    repo.insert(&gone).await.unwrap();
    assert!(repo.delete(&gone.identifier).await.unwrap());
    assert!(
        !repo.delete(&gone.identifier).await.unwrap(),
        "already gone"
    );
    assert!(!repo.delete(&id("urn:never:there")).await.unwrap());
    assert_eq!(repo.find(&gone.identifier).await.unwrap(), None);
    assert_eq!(repo.list().await.unwrap(), vec![kept]);
    repo.insert(&gone).await.unwrap();
    assert_eq!(repo.find(&gone.identifier).await.unwrap(), Some(gone));
}
all_backends!(delete_once, delete_removes_once);

async fn unparsable_rows_are_corrupt(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    // Each row is wrong in one field: a scope with a quote, an empty name, then an identifier
    // with a fragment (which `find` cannot even be asked for, so only `list` meets it).
    for (identifier, name, scope) in [
        ("https://api.example.com/", "API", "re\"ad"),
        ("urn:example:blank", " ", "read"),
        ("https://api.example.com/#frag", "API", "read"),
    ] {
        tdb.execute(&format!(
            "INSERT INTO resources (identifier, name, scope, created_at) \
             VALUES ('{identifier}', '{name}', '{scope}', 0)"
        ))
        .await;
        if let Ok(parsed) = ResourceIdentifier::parse(identifier) {
            let found = db.resources().find(&parsed).await;
            assert!(
                matches!(found, Err(RepositoryError::Corrupt { .. })),
                "{identifier}: {found:?}"
            );
        }
        let listed = db.resources().list().await;
        assert!(
            matches!(listed, Err(RepositoryError::Corrupt { .. })),
            "{identifier}: {listed:?}"
        );
        tdb.execute("DELETE FROM resources").await;
    }
}
// SQL only: writes rows behind the repositories' back.
both_backends!(corrupt_row, unparsable_rows_are_corrupt);
