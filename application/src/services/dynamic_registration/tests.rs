use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{MockClientRepository, MockResourceRepository};
use crate::services::test_support::{clock_at, counting_rng, Recorder};
use tessera_domain::{
    ApplicationType, AuditEvent, RedirectUri, Resource, ResourceIdentifier, TokenEndpointAuthMethod,
};

const NOW: i64 = 1_000_000;

#[derive(Clone, Default)]
struct Audit(Recorder<AuditEvent>);

impl AuditLog for Audit {
    fn record(&self, event: AuditEvent) {
        self.0.push(event);
    }
}

fn ctx() -> RequestContext {
    RequestContext::internal(UnixTime::from_secs(NOW))
}

fn service_on(store: Arc<InMemoryStore>, audit: Audit) -> DynamicRegistration {
    DynamicRegistration::new(DynamicRegistrationDeps {
        clients: store.clone(),
        resources: store,
        audit: Arc::new(audit),
        clock: clock_at(NOW),
        rng: counting_rng(),
    })
}

fn service() -> (DynamicRegistration, Arc<InMemoryStore>, Audit) {
    let store = Arc::new(InMemoryStore::new());
    let audit = Audit::default();
    (service_on(store.clone(), audit.clone()), store, audit)
}

fn native_public() -> ClientMetadataRequest {
    ClientMetadataRequest {
        redirect_uris: vec!["http://127.0.0.1:33418/callback".into()],
        token_endpoint_auth_method: Some("none".into()),
        grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        response_types: Some(vec!["code".into()]),
        client_name: Some("MCP Inspector".into()),
        ..Default::default()
    }
}

fn web_confidential() -> ClientMetadataRequest {
    ClientMetadataRequest {
        redirect_uris: vec!["https://app.example.com/cb".into()],
        grant_types: Some(vec![
            "authorization_code".into(),
            "client_credentials".into(),
        ]),
        application_type: Some("web".into()),
        client_name: Some("Example web app".into()),
        scope: Some("openid profile".into()),
        metadata: ClientMetadata {
            client_uri: Some("https://app.example.com".into()),
            contacts: vec!["ops@example.com".into()],
            ..Default::default()
        },
        ..Default::default()
    }
}

fn code_of<T: std::fmt::Debug>(r: Result<T, DynamicRegistrationError>) -> OAuthErrorCode {
    r.unwrap_err().code()
}

#[tokio::test]
async fn a_native_public_client_registers_with_a_token_stored_as_digest_only() {
    let (svc, store, audit) = service();
    let info = svc.register(&ctx(), None, native_public()).await.unwrap();
    let c = &info.client;
    assert!(info.client_secret.is_none());
    assert_eq!(c.auth_method, TokenEndpointAuthMethod::None);
    assert_eq!(
        c.application_type,
        ApplicationType::Native,
        "inferred from loopback redirect URIs"
    );
    assert_eq!(c.origin, ClientOrigin::Dynamic);
    assert!(!c.skip_consent && !c.require_mfa);
    assert_eq!(c.scope, ScopeSet::parse(OIDC_REGISTRABLE_SCOPES).unwrap());
    assert_eq!(info.response_types, vec!["code"]);
    let token = info.registration_access_token.expose_secret().to_owned();
    assert_eq!(token.len(), 43, "256 bits");
    let stored = ClientRepository::find(store.as_ref(), &c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.registration_access_digest,
        Some(TokenDigest::of(&token))
    );
    let event = audit.0.only();
    assert_eq!(event.action, AuditAction::ClientRegistered);
    assert_eq!(event.actor.as_deref(), Some("registration"));
    assert_eq!(event.client_id.as_deref(), Some(c.id.as_str()));
}

#[tokio::test]
async fn a_confidential_web_client_gets_a_secret_and_resource_scopes_are_registrable() {
    let (svc, store, _) = service();
    let api = Resource {
        clients: Vec::new(),
        identifier: ResourceIdentifier::parse("https://mcp.example.com/").unwrap(),
        name: "MCP".into(),
        scope: ScopeSet::parse("tools:read tools:call").unwrap(),
        created_at: UnixTime::from_secs(1),
    };
    ResourceRepository::insert(store.as_ref(), &api)
        .await
        .unwrap();
    let mut req = web_confidential();
    req.scope = Some("openid tools:call".into());
    let info = svc.register(&ctx(), None, req).await.unwrap();
    let secret = info.client_secret.unwrap();
    assert!(info.client.secret_matches(secret.expose_secret()));
    assert_eq!(
        info.client.auth_method,
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(
        info.client.metadata.contacts,
        vec!["ops@example.com".to_owned()]
    );

    let mut unknown = web_confidential();
    unknown.scope = Some("openid admin".into());
    assert_eq!(
        code_of(svc.register(&ctx(), None, unknown).await),
        OAuthErrorCode::InvalidClientMetadata
    );
    let everything = svc
        .register(
            &ctx(),
            None,
            ClientMetadataRequest {
                scope: None,
                ..web_confidential()
            },
        )
        .await
        .unwrap();
    assert!(everything.client.scope.contains("tools:read"));
    assert!(everything.client.scope.contains("offline_access"));
}

#[tokio::test]
async fn invalid_metadata_is_refused_with_its_rfc_7591_code() {
    let (svc, store, audit) = service();
    let cases: Vec<(ClientMetadataRequest, OAuthErrorCode)> = vec![
        (
            ClientMetadataRequest {
                application_type: Some("web".into()),
                ..native_public()
            },
            OAuthErrorCode::InvalidRedirectUri,
        ),
        (
            ClientMetadataRequest {
                redirect_uris: vec!["https://a.example/cb#frag".into()],
                ..web_confidential()
            },
            OAuthErrorCode::InvalidRedirectUri,
        ),
        (
            ClientMetadataRequest {
                redirect_uris: vec![],
                ..web_confidential()
            },
            OAuthErrorCode::InvalidRedirectUri,
        ),
        (
            ClientMetadataRequest {
                redirect_uris: vec!["myapp:/cb".into()],
                ..native_public()
            },
            OAuthErrorCode::InvalidRedirectUri,
        ),
        (
            ClientMetadataRequest {
                grant_types: Some(vec!["implicit".into()]),
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                grant_types: Some(vec!["password".into()]),
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                response_types: Some(vec!["token".into()]),
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                token_endpoint_auth_method: Some("private_key_jwt".into()),
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                grant_types: Some(vec!["client_credentials".into()]),
                ..native_public()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                metadata: ClientMetadata {
                    logo_uri: Some("http://app.example.com/logo.png".into()),
                    ..Default::default()
                },
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                client_name: Some("x".repeat(201)),
                ..web_confidential()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
        (
            ClientMetadataRequest {
                application_type: Some("desktop".into()),
                ..native_public()
            },
            OAuthErrorCode::InvalidClientMetadata,
        ),
    ];
    for (req, code) in cases {
        let shown = format!("{req:?}");
        assert_eq!(
            code_of(svc.register(&ctx(), None, req).await),
            code,
            "{shown}"
        );
    }
    assert!(ClientRepository::list(store.as_ref())
        .await
        .unwrap()
        .is_empty());
    assert!(audit.0.all().is_empty());
}

#[tokio::test]
async fn an_initial_access_token_when_configured_is_required() {
    let (svc, _, _) = service();
    let svc = svc.with_initial_access_token(Some(&SecretString::from("let-me-in")));
    for bearer in [None, Some("wrong")] {
        assert_eq!(
            code_of(svc.register(&ctx(), bearer, native_public()).await),
            OAuthErrorCode::InvalidToken
        );
    }
    assert!(svc
        .register(&ctx(), Some("let-me-in"), native_public())
        .await
        .is_ok());
}

#[tokio::test]
async fn read_rotates_the_token_and_the_old_one_stops_working() {
    let (svc, _, _) = service();
    let info = svc.register(&ctx(), None, native_public()).await.unwrap();
    let id = info.client.id.as_str().to_owned();
    let first = info.registration_access_token.expose_secret().to_owned();
    let read = svc.read(&id, Some(&first)).await.unwrap();
    assert_eq!(read.client, info.client);
    let second = read.registration_access_token.expose_secret().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        code_of(svc.read(&id, Some(&first)).await),
        OAuthErrorCode::InvalidToken
    );
    assert!(svc.read(&id, Some(&second)).await.is_ok());
}

#[tokio::test]
async fn wrong_token_unknown_client_and_operator_client_answer_alike() {
    let (svc, store, _) = service();
    let info = svc.register(&ctx(), None, native_public()).await.unwrap();
    let id = info.client.id.as_str().to_owned();
    let token = info.registration_access_token.expose_secret().to_owned();
    let mut operator = info.client.clone();
    operator.id = ClientId::parse("operator-client").unwrap();
    operator.origin = ClientOrigin::Operator;
    ClientRepository::insert(store.as_ref(), &operator)
        .await
        .unwrap();
    for (client_id, bearer) in [
        (id.as_str(), Some("wrong")),
        (id.as_str(), None),
        ("no-such-client", Some(token.as_str())),
        ("operator-client", Some(token.as_str())),
        ("", Some(token.as_str())),
    ] {
        assert_eq!(
            code_of(svc.read(client_id, bearer).await),
            OAuthErrorCode::InvalidToken
        );
        assert_eq!(
            code_of(svc.delete(&ctx(), client_id, bearer).await),
            OAuthErrorCode::InvalidToken
        );
    }
}

#[tokio::test]
async fn update_replaces_the_registration_and_checks_id_and_secret() {
    let (svc, store, audit) = service();
    let info = svc
        .register(&ctx(), None, web_confidential())
        .await
        .unwrap();
    let id = info.client.id.as_str().to_owned();
    let secret = info.client_secret.unwrap();
    let mut token = info.registration_access_token.expose_secret().to_owned();

    let no_id = svc
        .update(&ctx(), &id, Some(&token), web_confidential())
        .await;
    assert_eq!(code_of(no_id), OAuthErrorCode::InvalidClientMetadata);
    let wrong_secret = ClientMetadataRequest {
        client_id: Some(id.clone()),
        client_secret: Some(SecretString::from("nope")),
        ..web_confidential()
    };
    assert_eq!(
        code_of(svc.update(&ctx(), &id, Some(&token), wrong_secret).await),
        OAuthErrorCode::InvalidClientMetadata
    );
    let to_public = ClientMetadataRequest {
        client_id: Some(id.clone()),
        token_endpoint_auth_method: Some("none".into()),
        grant_types: Some(vec!["authorization_code".into()]),
        ..web_confidential()
    };
    assert_eq!(
        code_of(svc.update(&ctx(), &id, Some(&token), to_public).await),
        OAuthErrorCode::InvalidClientMetadata
    );

    let replacement = ClientMetadataRequest {
        client_id: Some(id.clone()),
        client_secret: Some(secret.clone()),
        redirect_uris: vec!["https://app.example.com/new-cb".into()],
        token_endpoint_auth_method: Some("client_secret_post".into()),
        client_name: Some("Renamed".into()),
        ..web_confidential()
    };
    let updated = svc
        .update(&ctx(), &id, Some(&token), replacement)
        .await
        .unwrap();
    token = updated.registration_access_token.expose_secret().to_owned();
    let stored = ClientRepository::find(store.as_ref(), &info.client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Renamed");
    assert_eq!(
        stored.auth_method,
        TokenEndpointAuthMethod::ClientSecretPost
    );
    assert_eq!(
        stored.redirect_uris,
        vec![RedirectUri::parse("https://app.example.com/new-cb").unwrap()]
    );
    assert!(stored.secret_matches(secret.expose_secret()), "secret kept");
    assert!(
        stored.metadata.tos_uri.is_none(),
        "full replacement: omitted fields are gone"
    );

    svc.delete(&ctx(), &id, Some(&token)).await.unwrap();
    assert!(ClientRepository::find(store.as_ref(), &info.client.id)
        .await
        .unwrap()
        .is_none());
    let actions: Vec<_> = audit.0.all().iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::ClientRegistered,
            AuditAction::ClientUpdated,
            AuditAction::ClientDeleted
        ]
    );
}

#[tokio::test]
async fn a_store_that_is_down_is_temporarily_unavailable() {
    let mut clients = MockClientRepository::new();
    clients
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    clients
        .expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let mut resources = MockResourceRepository::new();
    resources.expect_list().returning(|| Ok(Vec::new()));
    let svc = DynamicRegistration::new(DynamicRegistrationDeps {
        clients: Arc::new(clients),
        resources: Arc::new(resources),
        audit: Arc::new(Audit::default()),
        clock: clock_at(NOW),
        rng: counting_rng(),
    });
    assert_eq!(
        code_of(svc.register(&ctx(), None, native_public()).await),
        OAuthErrorCode::TemporarilyUnavailable
    );
    assert_eq!(
        code_of(svc.read("some-client", Some("t")).await),
        OAuthErrorCode::TemporarilyUnavailable
    );
}

#[tokio::test]
async fn a_lost_rotation_race_is_invalid_token_and_changes_nothing() {
    let (svc, store, _) = service();
    let info = svc.register(&ctx(), None, native_public()).await.unwrap();
    let client = info.client.clone();
    let mut clients = MockClientRepository::new();
    clients
        .expect_find()
        .returning(move |_| Ok(Some(client.clone())));
    clients
        .expect_replace_registration_access()
        .returning(|_, _, _| Ok(false));
    clients.expect_update().never();
    let racing = DynamicRegistration::new(DynamicRegistrationDeps {
        clients: Arc::new(clients),
        resources: store,
        audit: Arc::new(Audit::default()),
        clock: clock_at(NOW),
        rng: counting_rng(),
    });
    let token = info.registration_access_token.expose_secret().to_owned();
    let req = ClientMetadataRequest {
        client_id: Some(info.client.id.as_str().to_owned()),
        ..native_public()
    };
    assert_eq!(
        code_of(
            racing
                .update(&ctx(), info.client.id.as_str(), Some(&token), req)
                .await
        ),
        OAuthErrorCode::InvalidToken
    );
}

#[tokio::test]
async fn first_use_is_recorded_for_self_registered_clients_only() {
    let (svc, store, _) = service();
    let info = svc.register(&ctx(), None, native_public()).await.unwrap();
    let mut clients = MockClientRepository::new();
    clients
        .expect_mark_used()
        .times(1)
        .returning(|_, _| Err(RepositoryError::Unavailable));
    record_first_use(&clients, &info.client, UnixTime::from_secs(NOW)).await;
    let mut operator = info.client.clone();
    operator.origin = ClientOrigin::Operator;
    record_first_use(&clients, &operator, UnixTime::from_secs(NOW)).await;
    drop(store);
}

#[tokio::test]
async fn housekeeping_deletes_dynamic_clients_never_used_after_the_ttl() {
    use crate::in_memory::InMemoryHousekeeping;
    use crate::ports::{HousekeepingRepository, PurgeKind};
    let (svc, store, _) = service();
    let unused = svc.register(&ctx(), None, native_public()).await.unwrap();
    let used = svc.register(&ctx(), None, native_public()).await.unwrap();
    let mut operator = unused.client.clone();
    operator.id = ClientId::parse("operator-client").unwrap();
    operator.origin = ClientOrigin::Operator;
    ClientRepository::insert(store.as_ref(), &operator)
        .await
        .unwrap();
    record_first_use(store.as_ref(), &used.client, UnixTime::from_secs(NOW + 5)).await;
    let hk = InMemoryHousekeeping::new(store.clone(), 0).with_unused_client_ttl(3600);
    let purge = |at: i64| hk.purge(PurgeKind::UnusedClients, UnixTime::from_secs(at), 100);
    assert_eq!(purge(NOW + 3599).await.unwrap(), 0, "not yet");
    assert_eq!(purge(NOW + 3600).await.unwrap(), 1);
    let left: Vec<_> = ClientRepository::list(store.as_ref())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&used.client.id) && left.contains(&operator.id));
}
