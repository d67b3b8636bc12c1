use super::*;
use crate::ports::MockClientRepository;
use tessera_domain::{GrantType, ScopeSet, UnixTime};

pub(crate) fn confidential(method: TokenEndpointAuthMethod, secret: &str) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse("svc").unwrap(),
        name: "svc".into(),
        secret_digest: (method != TokenEndpointAuthMethod::None).then(|| TokenDigest::of(secret)),
        auth_method: method,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read write").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(0),
    }
}

fn auth_with(client: Option<Client>) -> ClientAuthenticator {
    let mut repo = MockClientRepository::new();
    repo.expect_find().returning(move |_| Ok(client.clone()));
    ClientAuthenticator::new(Arc::new(repo))
}

fn basic(id: &str, secret: &str) -> PresentedCredentials {
    PresentedCredentials::Basic {
        client_id: id.into(),
        secret: secret.to_owned().into(),
    }
}

#[tokio::test]
async fn accepts_the_registered_method_with_the_right_secret() {
    let c = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    assert_eq!(
        auth_with(Some(c.clone()))
            .authenticate(basic("svc", "s"))
            .await
            .unwrap(),
        c
    );
}

#[tokio::test]
async fn refuses_wrong_secret_unknown_client_and_other_method() {
    let c = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let a = auth_with(Some(c));
    assert!(matches!(
        a.authenticate(basic("svc", "t")).await,
        Err(AuthenticateClientError::InvalidClient)
    ));
    let post = PresentedCredentials::Post {
        client_id: "svc".into(),
        secret: "s".to_owned().into(),
    };
    assert!(matches!(
        a.authenticate(post).await,
        Err(AuthenticateClientError::InvalidClient)
    ));
    let none = PresentedCredentials::None {
        client_id: "svc".into(),
    };
    assert!(matches!(
        a.authenticate(none).await,
        Err(AuthenticateClientError::InvalidClient)
    ));
    let unknown = auth_with(None);
    assert!(matches!(
        unknown.authenticate(basic("nobody", "s")).await,
        Err(AuthenticateClientError::InvalidClient)
    ));
}

#[tokio::test]
async fn malformed_client_id_is_invalid_client_without_a_query() {
    let a = ClientAuthenticator::new(Arc::new(MockClientRepository::new()));
    assert!(matches!(
        a.authenticate(basic("a b", "s")).await,
        Err(AuthenticateClientError::InvalidClient)
    ));
}

#[tokio::test]
async fn public_client_identifies_with_none() {
    let c = confidential(TokenEndpointAuthMethod::None, "");
    let none = PresentedCredentials::None {
        client_id: "svc".into(),
    };
    assert!(auth_with(Some(c)).authenticate(none).await.is_ok());
}

#[tokio::test]
async fn database_outage_is_not_an_authentication_failure() {
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let a = ClientAuthenticator::new(Arc::new(repo));
    assert!(matches!(
        a.authenticate(basic("svc", "s")).await,
        Err(AuthenticateClientError::Repository(
            RepositoryError::Unavailable
        ))
    ));
}
