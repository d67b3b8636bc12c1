//! The token-exchange policy of a client (RFC 8693): which registered resources it may ask
//! tokens for. Stored with the client, read back exactly, replaced by an update.

use tessera_application::RepositoryError;
use tessera_domain::{
    Client, ClientId, GrantType, ResourceIdentifier, ScopeSet, TokenDigest,
    TokenEndpointAuthMethod, UnixTime,
};
use tessera_tests::{all_backends, both_backends, TestBackend, TestDatabase};

fn exchanger(id: &str, audiences: &[&str]) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: audiences
            .iter()
            .map(|a| ResourceIdentifier::parse(a).unwrap())
            .collect(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse(id).unwrap(),
        name: format!("Exchanger {id}"),
        secret_digest: Some(TokenDigest::of("s3cret")),
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        grant_types: vec![GrantType::TokenExchange, GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(10),
    }
}

async fn exchange_audiences_round_trip_and_update(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let a = exchanger("svc-x", &["https://api.example/", "urn:example:mail"]);
    let none = exchanger("svc-y", &[]);
    repo.insert(&a).await.unwrap();
    repo.insert(&none).await.unwrap();
    assert_eq!(repo.find(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(repo.find(&none.id).await.unwrap(), Some(none.clone()));
    assert_eq!(repo.list().await.unwrap(), vec![a.clone(), none]);

    let mut narrowed = a.clone();
    narrowed.exchange_audiences = vec![ResourceIdentifier::parse("urn:example:mail").unwrap()];
    assert!(repo.update(&narrowed).await.unwrap());
    assert_eq!(repo.find(&a.id).await.unwrap(), Some(narrowed.clone()));
    narrowed.exchange_audiences.clear();
    assert!(repo.update(&narrowed).await.unwrap());
    assert_eq!(repo.find(&a.id).await.unwrap(), Some(narrowed));
}
all_backends!(
    exchange_audiences_round_trip,
    exchange_audiences_round_trip_and_update
);

/// Rows written before the column existed read as "may exchange for nothing"; a stored value
/// that is not an identifier is `Corrupt`, never half-used.
async fn exchange_audiences_default_and_corrupt(tdb: TestDatabase) {
    let db = tdb.migrated().await;
    tdb.execute(
        "INSERT INTO clients (id, name, secret_digest, auth_method, grant_types, redirect_uris, \
         post_logout_redirect_uris, scope, skip_consent, created_at) \
         VALUES ('old', 'Old', NULL, 'none', '[\"authorization_code\"]', \
         '[\"https://rp.test/cb\"]', '[]', 'openid', false, 0)",
    )
    .await;
    let old = db
        .clients()
        .find(&ClientId::parse("old").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(old.exchange_audiences.is_empty());
    // Another row: SQLite keeps clients it has read in a cache.
    tdb.execute(
        "INSERT INTO clients (id, name, secret_digest, auth_method, grant_types, redirect_uris, \
         post_logout_redirect_uris, scope, skip_consent, created_at, exchange_audiences) \
         VALUES ('bad', 'Bad', NULL, 'none', '[\"authorization_code\"]', \
         '[\"https://rp.test/cb\"]', '[]', 'openid', false, 0, 'https://ok.example/ bad#frag')",
    )
    .await;
    assert!(matches!(
        db.clients().find(&ClientId::parse("bad").unwrap()).await,
        Err(RepositoryError::Corrupt { .. })
    ));
}
// SQL only: writes rows behind the repositories' back.
both_backends!(
    exchange_audiences_defaults,
    exchange_audiences_default_and_corrupt
);
