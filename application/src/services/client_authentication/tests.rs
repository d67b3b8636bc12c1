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

mod assertions {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::ports::{
        ClientJwtError, MockClientJwtVerifier, MockClock, MockReplayCache, VerifiedClientJwt,
    };
    use serde_json::json;
    use tessera_domain::SecurityProfile;

    const ISSUER: &str = "https://issuer.test";
    const NOW: i64 = 1_000_000;

    fn key_client(method: TokenEndpointAuthMethod) -> Client {
        let mut c = confidential(TokenEndpointAuthMethod::PrivateKeyJwt, "");
        c.auth_method = method;
        if method == TokenEndpointAuthMethod::PrivateKeyJwt {
            c.secret_digest = None;
        }
        c
    }

    fn claims(jti: &str) -> serde_json::Map<String, serde_json::Value> {
        json!({"iss": "svc", "sub": "svc", "aud": format!("{ISSUER}/token"),
               "exp": NOW + 60, "jti": jti})
        .as_object()
        .unwrap()
        .clone()
    }

    /// A verifier that accepts every token whose text is a jti, with those claims, and
    /// records the allow-list it was given.
    fn accepting(seen: Recorder) -> MockClientJwtVerifier {
        let mut v = MockClientJwtVerifier::new();
        v.expect_verify().returning(move |_, jwt, allowed, _| {
            seen.push(allowed.iter().map(|a| a.to_string()).collect());
            Ok(VerifiedClientJwt {
                claims: claims(jwt),
                alg: "ES256".into(),
                kid: None,
            })
        });
        v
    }

    type Recorder = crate::services::test_support::Recorder<Vec<String>>;

    fn clock() -> Arc<MockClock> {
        let mut c = MockClock::new();
        c.expect_now().return_const(UnixTime::from_secs(NOW));
        Arc::new(c)
    }

    fn authenticator(
        client: Option<Client>,
        verifier: MockClientJwtVerifier,
        replay: Arc<dyn ReplayCache>,
        profile: SecurityProfile,
    ) -> ClientAuthenticator {
        auth_with(client).with_assertions(ClientAssertions {
            verifier: Arc::new(verifier),
            replay,
            clock: clock(),
            issuer: ISSUER.into(),
            profile,
        })
    }

    fn assertion(jti: &str, path: &str) -> PresentedCredentials {
        PresentedCredentials::Assertion {
            client_id: "svc".into(),
            assertion: jti.to_owned().into(),
            endpoint_path: path.into(),
        }
    }

    fn refused(r: Result<Client, AuthenticateClientError>) -> bool {
        matches!(r, Err(AuthenticateClientError::InvalidClient))
    }

    use crate::ports::ReplayCache;

    #[tokio::test]
    async fn a_good_assertion_authenticates_once() {
        let c = key_client(TokenEndpointAuthMethod::PrivateKeyJwt);
        let seen = Recorder::default();
        let a = authenticator(
            Some(c.clone()),
            accepting(seen.clone()),
            Arc::new(InMemoryStore::new()),
            SecurityProfile::Standard,
        );
        assert_eq!(a.authenticate(assertion("j1", "/token")).await.unwrap(), c);
        assert_eq!(seen.all()[0], ["RS256", "PS256", "ES256", "EdDSA"]);
        // The same jti again: a replay.
        assert!(refused(a.authenticate(assertion("j1", "/token")).await));
        // Another jti is fine.
        assert!(a.authenticate(assertion("j2", "/token")).await.is_ok());
    }

    #[tokio::test]
    async fn the_endpoint_url_is_the_issuer_plus_the_path_called() {
        let c = key_client(TokenEndpointAuthMethod::PrivateKeyJwt);
        let a = authenticator(
            Some(c),
            accepting(Recorder::default()),
            Arc::new(InMemoryStore::new()),
            SecurityProfile::Standard,
        );
        // The claims name {ISSUER}/token: sent to /introspect, that aud is wrong.
        assert!(refused(
            a.authenticate(assertion("j1", "/introspect")).await
        ));
    }

    #[tokio::test]
    async fn client_secret_jwt_gets_hs256_and_fapi2_narrows_the_algorithms() {
        let seen = Recorder::default();
        let a = authenticator(
            Some(key_client(TokenEndpointAuthMethod::ClientSecretJwt)),
            accepting(seen.clone()),
            Arc::new(InMemoryStore::new()),
            SecurityProfile::Standard,
        );
        a.authenticate(assertion("j1", "/token")).await.unwrap();
        // The server's profile.
        let a = authenticator(
            Some(key_client(TokenEndpointAuthMethod::PrivateKeyJwt)),
            accepting(seen.clone()),
            Arc::new(InMemoryStore::new()),
            SecurityProfile::Fapi2,
        );
        a.authenticate(assertion("j1", "/token")).await.unwrap();
        // The client's own profile raises the server's.
        let mut fapi = key_client(TokenEndpointAuthMethod::PrivateKeyJwt);
        fapi.security.profile = SecurityProfile::Fapi2;
        let a = authenticator(
            Some(fapi),
            accepting(seen.clone()),
            Arc::new(InMemoryStore::new()),
            SecurityProfile::Standard,
        );
        a.authenticate(assertion("j1", "/token")).await.unwrap();
        assert_eq!(
            seen.all(),
            [
                vec!["HS256".to_owned()],
                vec!["PS256".into(), "ES256".into(), "EdDSA".into()],
                vec!["PS256".into(), "ES256".into(), "EdDSA".into()],
            ]
        );
    }

    #[tokio::test]
    async fn a_client_of_another_method_or_an_unknown_one_never_reaches_the_verifier() {
        for method in [
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
            TokenEndpointAuthMethod::None,
        ] {
            let a = authenticator(
                Some(confidential(method, "s")),
                MockClientJwtVerifier::new(),
                Arc::new(MockReplayCache::new()),
                SecurityProfile::Standard,
            );
            assert!(refused(a.authenticate(assertion("j1", "/token")).await));
        }
        let a = authenticator(
            None,
            MockClientJwtVerifier::new(),
            Arc::new(MockReplayCache::new()),
            SecurityProfile::Standard,
        );
        assert!(refused(a.authenticate(assertion("j1", "/token")).await));
    }

    #[tokio::test]
    async fn without_assertion_support_every_assertion_is_refused() {
        let a = auth_with(Some(key_client(TokenEndpointAuthMethod::PrivateKeyJwt)));
        assert!(refused(a.authenticate(assertion("j1", "/token")).await));
    }

    #[tokio::test]
    async fn every_verifier_refusal_is_invalid_client_and_spends_no_jti() {
        for e in [
            ClientJwtError::Malformed,
            ClientJwtError::Algorithm("none".into()),
            ClientJwtError::Type,
            ClientJwtError::UnknownKey,
            ClientJwtError::Signature,
            ClientJwtError::KeysUnavailable("down".into()),
        ] {
            let mut v = MockClientJwtVerifier::new();
            v.expect_verify()
                .returning(move |_, _, _, _| Err(e.clone()));
            let a = authenticator(
                Some(key_client(TokenEndpointAuthMethod::PrivateKeyJwt)),
                v,
                Arc::new(MockReplayCache::new()),
                SecurityProfile::Standard,
            );
            assert!(refused(a.authenticate(assertion("j1", "/token")).await));
        }
    }

    #[tokio::test]
    async fn refused_claims_spend_no_jti() {
        let mut v = MockClientJwtVerifier::new();
        v.expect_verify().returning(|_, _, _, _| {
            let mut c = claims("j1");
            c.insert("sub".into(), json!("someone-else"));
            Ok(VerifiedClientJwt {
                claims: c,
                alg: "ES256".into(),
                kid: None,
            })
        });
        let a = authenticator(
            Some(key_client(TokenEndpointAuthMethod::PrivateKeyJwt)),
            v,
            Arc::new(MockReplayCache::new()),
            SecurityProfile::Standard,
        );
        assert!(refused(a.authenticate(assertion("j1", "/token")).await));
    }

    #[tokio::test]
    async fn the_jti_is_kept_under_the_client_until_exp_and_storage_failures_are_not_refusals() {
        let mut replay = MockReplayCache::new();
        replay
            .expect_first_use()
            .withf(|kind, issuer, jti, until, now| {
                *kind == ReplayKind::ClientAssertion
                    && issuer == "svc"
                    && jti == "j1"
                    && until.as_secs() == NOW + 60 + ASSERTION_LEEWAY_SECS
                    && now.as_secs() == NOW
            })
            .times(1)
            .returning(|_, _, _, _, _| Err(RepositoryError::Unavailable));
        let a = authenticator(
            Some(key_client(TokenEndpointAuthMethod::PrivateKeyJwt)),
            accepting(Recorder::default()),
            Arc::new(replay),
            SecurityProfile::Standard,
        );
        assert!(matches!(
            a.authenticate(assertion("j1", "/token")).await,
            Err(AuthenticateClientError::Repository(
                RepositoryError::Unavailable
            ))
        ));
    }
}
