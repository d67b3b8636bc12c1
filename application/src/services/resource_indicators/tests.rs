use super::*;
use crate::in_memory::InMemoryStore;
use tessera_domain::{Resource, ScopeSet, UnixTime};

async fn indicators() -> ResourceIndicators {
    let store = Arc::new(InMemoryStore::new());
    store
        .insert(&Resource {
            clients: Vec::new(),
            identifier: ResourceIdentifier::parse("https://mcp.example/mcp").unwrap(),
            name: "Notes MCP".into(),
            scope: ScopeSet::parse("notes:read").unwrap(),
            created_at: UnixTime::from_secs(1),
        })
        .await
        .unwrap();
    ResourceIndicators::new(store)
}

#[tokio::test]
async fn no_resource_is_an_empty_target() {
    assert!(indicators().await.resolve(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_registered_resource_resolves() {
    let t = indicators()
        .await
        .resolve(&["https://mcp.example/mcp"])
        .await
        .unwrap();
    assert_eq!(t.resources().len(), 1);
    assert_eq!(t.resources()[0].name, "Notes MCP");
}

#[tokio::test]
async fn unknown_malformed_and_too_many_are_invalid_target() {
    let i = indicators().await;
    for bad in [
        vec!["https://other.example/"],
        vec!["https://mcp.example/mcp#frag"],
        vec!["relative/path"],
        vec!["https://mcp.example/mcp"; MAX_RESOURCES_PER_REQUEST + 1],
    ] {
        let e = i.resolve(&bad).await.unwrap_err();
        assert!(matches!(e, TargetError::Invalid(_)), "{bad:?}");
    }
}

#[tokio::test]
async fn narrowing_keeps_the_grant_or_a_part_of_it() {
    let i = indicators().await;
    let granted = vec![ResourceIdentifier::parse("https://mcp.example/mcp").unwrap()];
    assert_eq!(i.narrow(&granted, &[]).await.unwrap().resources().len(), 1);
    assert_eq!(
        i.narrow(&granted, &["https://mcp.example/mcp"])
            .await
            .unwrap()
            .resources()
            .len(),
        1
    );
    assert!(matches!(
        i.narrow(&granted, &["https://other.example/"]).await,
        Err(TargetError::Invalid(_))
    ));
    assert!(matches!(
        i.narrow(&[], &["https://mcp.example/mcp"]).await,
        Err(TargetError::Invalid(_))
    ));
    assert!(i.narrow(&[], &[]).await.unwrap().is_empty());
}
