use super::*;
use crate::outbound::tests::{response, LocalServer};
use crate::outbound::OutboundSettings;

async fn fetcher_for(
    cache_control: &'static str,
) -> (LocalServer, MetadataDocumentFetcher, ClientId) {
    let server = LocalServer::start(move |path| {
        let body = format!(r#"{{"client_id":"http://127.0.0.1:PORT{path}"}}"#);
        Some(response(
            "200 OK",
            &[("Cache-Control", cache_control)],
            body.as_bytes(),
        ))
    })
    .await;
    let client = OutboundClient::new(OutboundSettings {
        allow_private_addresses: true,
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    let id = ClientId::parse(&server.url("/client.json")).unwrap();
    (server, MetadataDocumentFetcher::new(client), id)
}

#[tokio::test]
async fn a_document_is_fetched_once_within_its_max_age() {
    let (server, fetcher, id) = fetcher_for("max-age=600").await;
    let first = fetcher.fetch(&id).await.unwrap();
    let second = fetcher.fetch(&id).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_no_store_document_is_fetched_every_time() {
    let (server, fetcher, id) = fetcher_for("no-store").await;
    fetcher.fetch(&id).await.unwrap();
    fetcher.fetch(&id).await.unwrap();
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn a_refused_fetch_is_an_error_and_not_cached() {
    let client = OutboundClient::new(OutboundSettings::default()).unwrap();
    let fetcher = MetadataDocumentFetcher::new(client);
    let id = ClientId::parse("http://127.0.0.1:9/client.json").unwrap();
    let err = fetcher.fetch(&id).await.unwrap_err();
    assert!(err.to_string().contains("could not be fetched"), "{err}");
    assert_eq!(fetcher.cache.entry_count(), 0);
}
