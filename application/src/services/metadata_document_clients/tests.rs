use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::MockClientMetadataDocuments;
use crate::services::test_support as ts;
use crate::services::{
    AuthenticateClientError, Authorize, AuthorizeError, AuthorizeParams, ClientAuthenticator,
    PresentedCredentials,
};
use crate::{IssuerSettings, OAuthErrorCode};
use serde_json::json;

const URL: &str = "https://notes.example.com/oauth/client.json";
const CALLBACK: &str = "https://notes.example.com/callback";

fn url_id() -> ClientId {
    ClientId::parse(URL).unwrap()
}

fn good_document() -> Value {
    json!({
        "client_id": URL,
        "client_name": "Notes",
        "redirect_uris": [CALLBACK],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": "openid email offline_access"
    })
}

fn with(mut doc: Value, key: &str, value: Value) -> Value {
    doc[key] = value;
    doc
}

fn documents(
    result: fn() -> Result<Value, DocumentFetchError>,
) -> Arc<MockClientMetadataDocuments> {
    let mut m = MockClientMetadataDocuments::new();
    m.expect_fetch().returning(move |_| result());
    Arc::new(m)
}

fn serving(doc: Value) -> Arc<MockClientMetadataDocuments> {
    let mut m = MockClientMetadataDocuments::new();
    m.expect_fetch().returning(move |_| Ok(doc.clone()));
    Arc::new(m)
}

fn directory(
    store: &Arc<InMemoryStore>,
    docs: Arc<MockClientMetadataDocuments>,
) -> ClientDirectory {
    ClientDirectory::new(store.clone(), ts::clock_at(1_000)).with_documents(docs)
}

#[tokio::test]
async fn a_valid_document_is_the_client_and_its_row_is_inserted_then_updated() {
    let store = Arc::new(InMemoryStore::new());
    let client = directory(&store, serving(good_document()))
        .find(&url_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.origin, ClientOrigin::MetadataDocument);
    assert!(client.is_public());
    assert!(!client.skip_consent);
    assert_eq!(client.name, "Notes");
    assert_eq!(client.redirect_uris[0].as_str(), CALLBACK);
    let stored = ClientRepository::find(store.as_ref(), &url_id())
        .await
        .unwrap()
        .expect("the row exists");
    assert_eq!(stored.redirect_uris, client.redirect_uris);

    let changed = with(good_document(), "client_name", json!("Notes 2"));
    let again = directory(&store, serving(changed))
        .find(&url_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.name, "Notes 2");
    assert_eq!(
        ClientRepository::find(store.as_ref(), &url_id())
            .await
            .unwrap()
            .unwrap()
            .name,
        "Notes 2"
    );
}

#[tokio::test]
async fn defaults_name_the_host_and_ask_for_the_code_grant() {
    let doc = json!({"client_id": URL, "redirect_uris": [CALLBACK]});
    let client = client_from_document(&url_id(), &doc, UnixTime::from_secs(0)).unwrap();
    assert_eq!(client.name, "notes.example.com");
    assert_eq!(client.grant_types, vec![GrantType::AuthorizationCode]);
}

#[tokio::test]
async fn ordinary_ids_never_reach_the_documents_port() {
    let store = Arc::new(InMemoryStore::new());
    let mut docs = MockClientMetadataDocuments::new();
    docs.expect_fetch().never();
    let found = directory(&store, Arc::new(docs))
        .find(&ClientId::parse("web").unwrap())
        .await
        .unwrap();
    assert!(found.is_none());
}

fn refused(doc: Value) -> MetadataDocumentError {
    client_from_document(&url_id(), &doc, UnixTime::from_secs(0)).unwrap_err()
}

#[test]
fn every_broken_document_is_refused_for_its_reason() {
    assert!(matches!(
        refused(json!([1])),
        MetadataDocumentError::NotAnObject
    ));
    let mismatch = with(
        good_document(),
        "client_id",
        json!("https://evil.example/c.json"),
    );
    assert!(matches!(
        refused(mismatch),
        MetadataDocumentError::ClientIdMismatch
    ));
    let missing_id = {
        let mut d = good_document();
        d.as_object_mut().unwrap().remove("client_id");
        d
    };
    assert!(matches!(
        refused(missing_id),
        MetadataDocumentError::ClientIdMismatch
    ));
    let secret = with(good_document(), "client_secret", json!("s3cret"));
    assert!(matches!(
        refused(secret),
        MetadataDocumentError::SecretInDocument
    ));
    let basic = with(
        good_document(),
        "token_endpoint_auth_method",
        json!("client_secret_basic"),
    );
    assert!(matches!(refused(basic), MetadataDocumentError::AuthMethod));
    let cc = with(
        good_document(),
        "grant_types",
        json!(["client_credentials"]),
    );
    assert!(matches!(refused(cc), MetadataDocumentError::Grant));
    let token = with(good_document(), "response_types", json!(["token"]));
    assert!(matches!(
        refused(token),
        MetadataDocumentError::Member("response_types")
    ));
    let bad_uri = with(
        good_document(),
        "redirect_uris",
        json!(["https://x.example/cb#frag"]),
    );
    assert!(matches!(
        refused(bad_uri),
        MetadataDocumentError::RedirectUri(_)
    ));
    let http_uri = with(
        good_document(),
        "redirect_uris",
        json!(["http://notes.example.com/cb"]),
    );
    assert!(matches!(
        refused(http_uri),
        MetadataDocumentError::RedirectUri(_)
    ));
    let no_uri = with(good_document(), "redirect_uris", json!([]));
    assert!(matches!(
        refused(no_uri),
        MetadataDocumentError::Rule(ClientRuleError::MissingRedirectUri)
    ));
    let not_list = with(good_document(), "redirect_uris", json!(CALLBACK));
    assert!(matches!(
        refused(not_list),
        MetadataDocumentError::Member("redirect_uris")
    ));
    let bad_name = with(good_document(), "client_name", json!("a\nb"));
    assert!(matches!(
        refused(bad_name),
        MetadataDocumentError::Rule(ClientRuleError::Name)
    ));
    let bad_scope = with(good_document(), "scope", json!(7));
    assert!(matches!(
        refused(bad_scope),
        MetadataDocumentError::Member("scope")
    ));
}

fn authorize_with(docs: Arc<MockClientMetadataDocuments>, store: &Arc<InMemoryStore>) -> Authorize {
    Authorize::new(
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        ts::clock_at(1_000),
        ts::counting_rng(),
        IssuerSettings::new(ts::ISS),
    )
    .with_metadata_documents(docs)
}

fn authorize_params() -> AuthorizeParams {
    AuthorizeParams::from_pairs(
        [
            ("client_id", URL),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("code_challenge", ts::CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<std::collections::HashMap<_, _>>(),
    )
}

fn fetch_failed() -> Result<Value, DocumentFetchError> {
    Err(DocumentFetchError("connection refused".into()))
}

fn mismatched() -> Result<Value, DocumentFetchError> {
    Ok(with(
        good_document(),
        "client_id",
        json!("https://evil.example/c.json"),
    ))
}

fn bad_redirect() -> Result<Value, DocumentFetchError> {
    Ok(with(
        good_document(),
        "redirect_uris",
        json!(["javascript:alert(1)"]),
    ))
}

fn with_secret() -> Result<Value, DocumentFetchError> {
    Ok(with(good_document(), "client_secret", json!("s3cret")))
}

#[tokio::test]
async fn authorize_shows_an_error_page_and_stores_nothing_for_each_failure() {
    for failure in [fetch_failed, mismatched, bad_redirect, with_secret] {
        let store = Arc::new(InMemoryStore::new());
        let result = authorize_with(documents(failure), &store)
            .validate(&authorize_params())
            .await;
        match result {
            Err(AuthorizeError::NotRedirectable(m)) => {
                assert!(m.contains("metadata document"), "{m}")
            }
            other => panic!("expected an error page, never a redirect: {other:?}"),
        }
        assert!(
            ClientRepository::find(store.as_ref(), &url_id())
                .await
                .unwrap()
                .is_none(),
            "no row stored"
        );
    }
}

#[tokio::test]
async fn authorize_accepts_a_valid_document_as_a_public_client() {
    let store = Arc::new(InMemoryStore::new());
    let request = authorize_with(serving(good_document()), &store)
        .validate(&authorize_params())
        .await
        .unwrap();
    assert_eq!(request.client.origin, ClientOrigin::MetadataDocument);
    assert_eq!(request.redirect_uri, CALLBACK);
}

#[tokio::test]
async fn the_token_endpoint_answers_invalid_client_for_each_failure() {
    for failure in [fetch_failed, mismatched, bad_redirect, with_secret] {
        let store = Arc::new(InMemoryStore::new());
        let auth = ClientAuthenticator::new(store.clone())
            .with_metadata_documents(documents(failure), ts::clock_at(1_000));
        let err = auth
            .authenticate(PresentedCredentials::None {
                client_id: URL.into(),
            })
            .await
            .unwrap_err();
        assert!(matches!(err, AuthenticateClientError::InvalidClient));
        assert_eq!(err.code(), OAuthErrorCode::InvalidClient);
    }
}

#[tokio::test]
async fn the_token_endpoint_accepts_the_document_client_by_id_only_and_never_with_a_secret() {
    let store = Arc::new(InMemoryStore::new());
    let auth = ClientAuthenticator::new(store.clone())
        .with_metadata_documents(serving(good_document()), ts::clock_at(1_000));
    let client = auth
        .authenticate(PresentedCredentials::None {
            client_id: URL.into(),
        })
        .await
        .unwrap();
    assert_eq!(client.origin, ClientOrigin::MetadataDocument);
    let with_secret = auth
        .authenticate(PresentedCredentials::Post {
            client_id: URL.into(),
            secret: "anything".to_owned().into(),
        })
        .await;
    assert!(matches!(
        with_secret,
        Err(AuthenticateClientError::InvalidClient)
    ));
}

#[tokio::test]
async fn a_document_naming_no_scope_gets_every_registrable_scope() {
    let store = Arc::new(InMemoryStore::new());
    ResourceRepository::insert(
        store.as_ref(),
        &tessera_domain::Resource {
            identifier: tessera_domain::ResourceIdentifier::parse("https://mcp.example/mcp")
                .unwrap(),
            name: "MCP".into(),
            scope: tessera_domain::ScopeSet::parse("mcp:tools").unwrap(),
            created_at: UnixTime::from_secs(0),
            clients: Vec::new(),
        },
    )
    .await
    .unwrap();
    let mut unscoped = good_document();
    unscoped.as_object_mut().unwrap().remove("scope");
    let client = directory(&store, serving(unscoped))
        .with_resources(store.clone())
        .find(&url_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        client.scope.to_string(),
        "email mcp:tools offline_access openid profile"
    );
    let named = with(good_document(), "scope", json!("openid"));
    let client = directory(&store, serving(named))
        .with_resources(store.clone())
        .find(&url_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.scope.to_string(), "openid");
}
