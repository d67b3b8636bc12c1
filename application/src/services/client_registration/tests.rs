use super::*;
use crate::ports::{MockClientRepository, MockClock, MockRandomSource};
use secrecy::ExposeSecret;
use tessera_domain::UnixTime;

fn registry(repo: MockClientRepository) -> ClientRegistry {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(UnixTime::from_secs(1_000));
    let mut rng = MockRandomSource::new();
    let mut n = 0u8;
    rng.expect_fill().returning(move |buf| {
        n += 1;
        buf.fill(n);
    });
    ClientRegistry::new(Arc::new(repo), Arc::new(clock), Arc::new(rng))
}

fn svc_request() -> NewClient {
    NewClient {
        name: "svc".into(),
        grants: vec!["client_credentials".into()],
        scope: "read write".into(),
        ..NewClient::default()
    }
}

#[tokio::test]
async fn as_19_confidential_client_gets_a_256_bit_secret_stored_only_as_digest() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert()
        .withf(|c| c.secret_digest.is_some() && c.name == "svc")
        .times(1)
        .returning(|_| Ok(()));
    let reg = registry(repo).register(svc_request()).await.unwrap();
    let secret = reg.secret.unwrap();
    assert_eq!(secret.expose_secret().len(), 43, "256 bits, base64url");
    assert!(reg.client.secret_matches(secret.expose_secret()));
    assert_eq!(
        reg.client.auth_method,
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(reg.client.created_at, UnixTime::from_secs(1_000));
}

#[tokio::test]
async fn public_client_has_no_secret_and_defaults_to_code_flow() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert().returning(|_| Ok(()));
    let reg = registry(repo)
        .register(NewClient {
            name: "spa".into(),
            public: true,
            redirect_uris: vec!["https://spa.example/cb".into()],
            ..NewClient::default()
        })
        .await
        .unwrap();
    assert!(reg.secret.is_none());
    assert_eq!(reg.client.grant_types, vec![GrantType::AuthorizationCode]);
}

#[tokio::test]
async fn as_04_bad_redirect_uris_are_refused_before_storage() {
    for bad in [
        "http://evil.example/cb",
        "javascript:alert(1)",
        "https://a.example/#f",
    ] {
        let repo = MockClientRepository::new(); // insert must not be called
        let err = registry(repo)
            .register(NewClient {
                redirect_uris: vec![bad.into()],
                ..svc_request()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, RegisterClientError::RedirectUri { .. }),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn unknown_grant_scope_and_method_are_refused() {
    let cases = [
        NewClient {
            grants: vec!["password".into()],
            ..svc_request()
        },
        NewClient {
            scope: "a  b".into(),
            ..svc_request()
        },
        NewClient {
            auth_method: Some("tls_client_auth".into()),
            ..svc_request()
        },
        NewClient {
            auth_method: Some("none".into()),
            ..svc_request()
        },
        NewClient {
            public: true,
            ..svc_request()
        },
        NewClient {
            name: "".into(),
            ..svc_request()
        },
    ];
    for req in cases {
        let err = registry(MockClientRepository::new())
            .register(req.clone())
            .await;
        assert!(err.is_err(), "{req:?}");
    }
}

#[tokio::test]
async fn storage_failure_is_reported() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let err = registry(repo).register(svc_request()).await.unwrap_err();
    assert!(matches!(
        err,
        RegisterClientError::Repository(RepositoryError::Unavailable)
    ));
}

#[tokio::test]
async fn delete_of_impossible_id_is_false_without_a_query() {
    let reg = registry(MockClientRepository::new());
    assert!(!reg.delete("not an id").await.unwrap());
}

#[tokio::test]
async fn exchange_audiences_are_resource_identifiers_deduplicated() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert()
        .withf(|c| c.exchange_audiences.len() == 1)
        .times(1)
        .returning(|_| Ok(()));
    let mut req = svc_request();
    req.grants.push(GrantType::TOKEN_EXCHANGE.into());
    req.exchange_audiences = vec!["https://api.example/".into(), "https://api.example/".into()];
    let reg = registry(repo).register(req).await.unwrap();
    assert!(reg.client.grant_types.contains(&GrantType::TokenExchange));
    assert_eq!(
        reg.client.exchange_audiences[0].as_str(),
        "https://api.example/"
    );
    let mut bad = svc_request();
    bad.exchange_audiences = vec!["https://api.example/#frag".into()];
    let err = registry(MockClientRepository::new())
        .register(bad)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegisterClientError::ExchangeAudience { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), OAuthErrorCode::InvalidClientMetadata);
}

/// Seals as `aad || "|" || plaintext`, so a test can see what was sealed for which client.
fn visible_sealer() -> Arc<dyn KeyCipher> {
    let mut c = crate::ports::MockKeyCipher::new();
    c.expect_encrypt().returning(|p, aad| {
        let mut out = aad.to_vec();
        out.push(b'|');
        out.extend_from_slice(p);
        Ok(out)
    });
    Arc::new(c)
}

#[tokio::test]
async fn client_secret_jwt_gets_its_secret_sealed_for_its_own_id() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert().times(1).returning(|_| Ok(()));
    let reg = registry(repo)
        .with_secret_sealer(visible_sealer())
        .register(NewClient {
            auth_method: Some("client_secret_jwt".into()),
            ..svc_request()
        })
        .await
        .unwrap();
    let secret = reg.secret.unwrap();
    assert!(reg.client.secret_matches(secret.expose_secret()));
    let expected = format!("{}|{}", reg.client.id, secret.expose_secret());
    assert_eq!(
        reg.client.security.sealed_secret.as_deref(),
        Some(expected.as_bytes())
    );
}

#[tokio::test]
async fn client_secret_jwt_without_a_sealer_is_refused_and_others_are_never_sealed() {
    let err = registry(MockClientRepository::new())
        .register(NewClient {
            auth_method: Some("client_secret_jwt".into()),
            ..svc_request()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), OAuthErrorCode::InvalidClientMetadata);
    let mut repo = MockClientRepository::new();
    repo.expect_insert().times(1).returning(|_| Ok(()));
    let reg = registry(repo)
        .with_secret_sealer(visible_sealer())
        .register(svc_request())
        .await
        .unwrap();
    assert_eq!(reg.client.security.sealed_secret, None);
}

#[tokio::test]
async fn private_key_jwt_gets_no_secret() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert().times(1).returning(|_| Ok(()));
    let reg = registry(repo)
        .with_secret_sealer(visible_sealer())
        .register(NewClient {
            auth_method: Some("private_key_jwt".into()),
            jwks: Some(r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#.into()),
            ..svc_request()
        })
        .await
        .unwrap();
    assert!(reg.secret.is_none());
    assert_eq!(reg.client.secret_digest, None);
    assert_eq!(reg.client.security.sealed_secret, None);
}
