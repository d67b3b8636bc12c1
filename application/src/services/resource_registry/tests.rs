use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{MockAuditLog, MockResourceRepository};
use crate::services::test_support::{self as ts, Recorder};
use tessera_domain::UnixTime;

const MCP: &str = "https://mcp.example/mcp";

fn recording_audit() -> (Arc<MockAuditLog>, Recorder<AuditEvent>) {
    let events = Recorder::default();
    let e = events.clone();
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(move |ev| e.push(ev));
    (Arc::new(audit), events)
}

/// The service on an empty in-memory store, with the store and the audit events it records.
fn in_memory() -> (ResourceRegistry, Arc<InMemoryStore>, Recorder<AuditEvent>) {
    let store = Arc::new(InMemoryStore::new());
    let (audit, events) = recording_audit();
    (
        ResourceRegistry::new(store.clone(), ts::clock_at(1_000), audit),
        store,
        events,
    )
}

fn on_mock(repo: MockResourceRepository) -> (ResourceRegistry, Recorder<AuditEvent>) {
    let (audit, events) = recording_audit();
    (
        ResourceRegistry::new(Arc::new(repo), ts::clock_at(1_000), audit),
        events,
    )
}

fn admin() -> Actor {
    Actor::new("admin_token").with_ip("192.0.2.1")
}

fn new(identifier: &str, name: Option<&str>, scope: Option<&str>) -> NewResource {
    NewResource {
        clients: Vec::new(),
        identifier: identifier.into(),
        name: name.map(Into::into),
        scope: scope.map(Into::into),
    }
}

#[tokio::test]
async fn create_stores_the_resource_and_audits_it() {
    let (svc, store, events) = in_memory();
    let created = svc
        .create(
            &admin(),
            new(MCP, Some("Notes MCP"), Some("notes:write notes:read")),
        )
        .await
        .unwrap();
    assert_eq!(created.identifier.as_str(), MCP);
    assert_eq!(created.name, "Notes MCP");
    assert_eq!(created.scope.to_string(), "notes:read notes:write");
    assert_eq!(created.created_at, UnixTime::from_secs(1_000));
    let stored = store.find(&created.identifier).await.unwrap();
    assert_eq!(stored, Some(created));
    let e = events.only();
    assert_eq!(e.action, AuditAction::ResourceCreated);
    assert_eq!(e.outcome, AuditOutcome::Success);
    assert_eq!(e.subject.as_deref(), Some(MCP));
    assert_eq!(e.actor.as_deref(), Some("admin_token"));
    assert_eq!(e.ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(e.detail.as_deref(), Some("resources.create"));
}

#[tokio::test]
async fn the_name_defaults_to_the_identifier_and_the_scope_to_none() {
    let (svc, _, _) = in_memory();
    let created = svc
        .create(&Actor::cli(), new("urn:example:api", None, None))
        .await
        .unwrap();
    assert_eq!(created.name, "urn:example:api");
    assert!(created.scope.is_empty());
}

#[tokio::test]
async fn bad_fields_are_refused_by_name_and_nothing_is_stored() {
    let (svc, store, events) = in_memory();
    let long_name = "n".repeat(201);
    for (req, field) in [
        (new("https://mcp.example/mcp#x", None, None), "identifier"),
        (new("/relative/path", None, None), "identifier"),
        (new("https://", None, None), "identifier"),
        (new("https://a.example/ b", None, None), "identifier"),
        (new(MCP, Some(" "), None), "name"),
        (new(MCP, Some(&long_name), None), "name"),
        (new(MCP, Some("line\nbreak"), None), "name"),
        (new(MCP, None, Some("read  write")), "scope"),
        (new(MCP, None, Some("re\"ad")), "scope"),
    ] {
        let shown = format!("{req:?}");
        match svc.create(&admin(), req).await {
            Err(e @ ResourceRegistryError::Invalid { field: f, .. }) => {
                assert_eq!(f, field, "{shown}");
                assert_eq!(e.code(), OAuthErrorCode::InvalidRequest);
                assert!(e.to_string().starts_with(field), "{e}");
            }
            other => panic!("{shown}: {other:?}"),
        }
    }
    assert!(store.list().await.unwrap().is_empty());
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn a_taken_identifier_is_a_duplicate_and_is_not_audited() {
    let (svc, store, events) = in_memory();
    svc.create(&admin(), new(MCP, Some("First"), None))
        .await
        .unwrap();
    let err = svc
        .create(&admin(), new(MCP, Some("Second"), None))
        .await
        .unwrap_err();
    assert!(matches!(err, ResourceRegistryError::Duplicate(ref id) if id == MCP));
    assert_eq!(err.code(), OAuthErrorCode::Conflict);
    let kept = store.list().await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].name, "First");
    assert_eq!(events.all().len(), 1);
}

#[tokio::test]
async fn list_is_the_stores_order() {
    let (svc, _, _) = in_memory();
    assert!(svc.list().await.unwrap().is_empty());
    svc.create(&admin(), new("https://b.example", None, None))
        .await
        .unwrap();
    svc.create(&admin(), new("https://a.example", None, None))
        .await
        .unwrap();
    let ids: Vec<String> = svc
        .list()
        .await
        .unwrap()
        .iter()
        .map(|r| r.identifier.to_string())
        .collect();
    assert_eq!(ids, ["https://a.example", "https://b.example"]);
}

#[tokio::test]
async fn delete_removes_and_audits_once() {
    let (svc, store, events) = in_memory();
    svc.create(&admin(), new(MCP, None, None)).await.unwrap();
    svc.delete(&Actor::cli(), MCP).await.unwrap();
    assert!(store.list().await.unwrap().is_empty());
    let deleted: Vec<AuditEvent> = events
        .all()
        .into_iter()
        .filter(|e| e.action == AuditAction::ResourceDeleted)
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].subject.as_deref(), Some(MCP));
    assert_eq!(deleted[0].actor.as_deref(), Some("cli"));
    assert_eq!(deleted[0].detail.as_deref(), Some("resources.delete"));

    let again = svc.delete(&Actor::cli(), MCP).await.unwrap_err();
    assert!(matches!(again, ResourceRegistryError::NotFound(ref id) if id == MCP));
    assert_eq!(again.code(), OAuthErrorCode::NotFound);
    assert_eq!(events.all().len(), 2, "a failed delete is not audited");
}

#[tokio::test]
async fn deleting_a_value_that_is_no_identifier_is_not_found_without_asking_the_store() {
    // The mock has no expectation: a call to the store would fail the test.
    let (svc, events) = on_mock(MockResourceRepository::new());
    let err = svc
        .delete(&admin(), "https://mcp.example/#frag")
        .await
        .unwrap_err();
    assert!(matches!(err, ResourceRegistryError::NotFound(_)));
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn storage_failures_are_repository_errors_and_not_audited() {
    let mut repo = MockResourceRepository::new();
    repo.expect_insert()
        .times(1)
        .returning(|_| Err(RepositoryError::Unavailable));
    repo.expect_delete()
        .times(1)
        .returning(|_| Err(RepositoryError::Unavailable));
    repo.expect_list()
        .times(1)
        .returning(|| Err(RepositoryError::Unavailable));
    let (svc, events) = on_mock(repo);
    let created = svc
        .create(&admin(), new(MCP, None, None))
        .await
        .unwrap_err();
    assert!(matches!(
        created,
        ResourceRegistryError::Repository(RepositoryError::Unavailable)
    ));
    assert_eq!(created.code(), OAuthErrorCode::TemporarilyUnavailable);
    assert!(matches!(
        svc.delete(&admin(), MCP).await,
        Err(ResourceRegistryError::Repository(_))
    ));
    assert!(matches!(
        svc.list().await,
        Err(ResourceRegistryError::Repository(_))
    ));
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn the_store_is_asked_with_the_parsed_identifier() {
    let mut repo = MockResourceRepository::new();
    repo.expect_insert()
        .withf(|r| r.identifier.as_str() == MCP && r.name == "Notes")
        .times(1)
        .returning(|_| Ok(()));
    repo.expect_delete()
        .withf(|id| id.as_str() == MCP)
        .times(1)
        .returning(|_| Ok(true));
    let (svc, events) = on_mock(repo);
    svc.create(&admin(), new(MCP, Some("Notes"), Some("read")))
        .await
        .unwrap();
    svc.delete(&admin(), MCP).await.unwrap();
    assert_eq!(events.all().len(), 2);
}
