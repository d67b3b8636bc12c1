//! What dynamic client registration (RFC 7591/7592) stores about a client: application type,
//! origin, the registration access digest, the informational metadata, and the first use that
//! decides whether housekeeping may delete a client nobody used.

use tessera_application::ports::{PurgeKind, DEFAULT_UNUSED_CLIENT_TTL_SECS};
use tessera_domain::{
    ApplicationType, Client, ClientId, ClientJwks, ClientMetadata, ClientOrigin, ClientSecurity,
    GrantType, RedirectUri, ScopeSet, SecurityProfile, TokenDigest, TokenEndpointAuthMethod,
    UnixTime,
};
use tessera_tests::{all_backends, TestBackend};

const NOW: i64 = 1_900_000_000;

fn dynamic_client(id: &str, created_at: i64) -> Client {
    Client {
        security: Default::default(),
        id: ClientId::parse(id).unwrap(),
        name: "MCP client ☃".into(),
        secret_digest: None,
        auth_method: TokenEndpointAuthMethod::None,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        redirect_uris: vec![RedirectUri::parse("http://127.0.0.1:33418/cb").unwrap()],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        skip_consent: false,
        require_mfa: false,
        created_at: UnixTime::from_secs(created_at),
        application_type: ApplicationType::Native,
        origin: ClientOrigin::Dynamic,
        registration_access_digest: Some(TokenDigest::of("rat-1")),
        metadata: ClientMetadata {
            client_uri: Some("https://tool.example.com".into()),
            logo_uri: Some("https://tool.example.com/logo.png".into()),
            tos_uri: Some("https://tool.example.com/tos".into()),
            policy_uri: Some("https://tool.example.com/privacy".into()),
            contacts: vec!["a@example.com".into(), "b@example.com".into()],
            software_id: Some("tool".into()),
            software_version: Some("1.2.3 \"beta\"".into()),
        },
        exchange_audiences: Vec::new(),
    }
}

async fn registration_fields_round_trip_and_update(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let c = dynamic_client("dyn-a", NOW);
    repo.insert(&c).await.unwrap();
    assert_eq!(repo.find(&c.id).await.unwrap(), Some(c.clone()));
    let bare = Client {
        id: ClientId::parse("dyn-bare").unwrap(),
        metadata: ClientMetadata::default(),
        application_type: ApplicationType::Web,
        redirect_uris: vec![RedirectUri::parse("https://a.example/cb").unwrap()],
        ..c.clone()
    };
    repo.insert(&bare).await.unwrap();
    assert_eq!(repo.find(&bare.id).await.unwrap(), Some(bare));

    let changed = Client {
        application_type: ApplicationType::Web,
        redirect_uris: vec![RedirectUri::parse("https://tool.example.com/cb").unwrap()],
        metadata: ClientMetadata {
            contacts: vec!["c@example.com".into()],
            ..ClientMetadata::default()
        },
        name: "renamed".into(),
        ..c.clone()
    };
    assert!(repo.update(&changed).await.unwrap());
    assert_eq!(repo.find(&c.id).await.unwrap(), Some(changed.clone()));

    let confidential = Client {
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        ..changed.clone()
    };
    assert!(
        !repo.update(&confidential).await.unwrap(),
        "a public client does not become confidential without a secret"
    );
    assert_eq!(repo.find(&c.id).await.unwrap(), Some(changed));
}
all_backends!(
    registration_round_trip,
    registration_fields_round_trip_and_update
);

async fn registration_access_digest_is_replaced_only_from_the_current_one(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let c = dynamic_client("dyn-rat", NOW);
    repo.insert(&c).await.unwrap();
    let (one, two, three) = (
        TokenDigest::of("rat-1"),
        TokenDigest::of("rat-2"),
        TokenDigest::of("rat-3"),
    );
    assert!(repo
        .replace_registration_access(&c.id, &one, &two)
        .await
        .unwrap());
    assert!(
        !repo
            .replace_registration_access(&c.id, &one, &three)
            .await
            .unwrap(),
        "the old digest no longer matches"
    );
    let stored = repo.find(&c.id).await.unwrap().unwrap();
    assert_eq!(stored.registration_access_digest, Some(two.clone()));
    let nobody = ClientId::parse("nobody").unwrap();
    assert!(!repo
        .replace_registration_access(&nobody, &two, &three)
        .await
        .unwrap());
}
all_backends!(
    registration_access_replace,
    registration_access_digest_is_replaced_only_from_the_current_one
);

async fn unused_dynamic_clients_are_purged_after_the_ttl(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let old = NOW - DEFAULT_UNUSED_CLIENT_TTL_SECS;
    let unused = dynamic_client("dyn-unused", old);
    let used = dynamic_client("dyn-used", old);
    let young = dynamic_client("dyn-young", old + 1);
    let operator = Client {
        origin: ClientOrigin::Operator,
        registration_access_digest: None,
        ..dynamic_client("operator", old)
    };
    for c in [&unused, &used, &young, &operator] {
        repo.insert(c).await.unwrap();
    }
    repo.mark_used(&used.id, UnixTime::from_secs(old + 10))
        .await
        .unwrap();
    repo.mark_used(&used.id, UnixTime::from_secs(old + 20))
        .await
        .unwrap();
    let hk = db.housekeeping(0);
    assert_eq!(
        hk.purge(PurgeKind::UnusedClients, UnixTime::from_secs(NOW), 100)
            .await
            .unwrap(),
        1
    );
    let mut left: Vec<String> = repo
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["dyn-used", "dyn-young", "operator"]);
    assert_eq!(
        hk.purge(PurgeKind::UnusedClients, UnixTime::from_secs(NOW), 100)
            .await
            .unwrap(),
        0
    );
}
all_backends!(
    unused_clients_purge,
    unused_dynamic_clients_are_purged_after_the_ttl
);

async fn hardened_registration_round_trips(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let key_client = Client {
        auth_method: TokenEndpointAuthMethod::PrivateKeyJwt,
        origin: ClientOrigin::Operator,
        registration_access_digest: None,
        security: ClientSecurity {
            jwks: ClientJwks::Inline(
                r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#.into(),
            ),
            require_par: true,
            require_dpop: true,
            backchannel_logout_uri: Some("https://tool.example.com/bcl?x=\"1\"".into()),
            backchannel_logout_session_required: true,
            profile: SecurityProfile::Fapi2,
            sealed_secret: None,
        },
        ..dynamic_client("fapi", NOW)
    };
    repo.insert(&key_client).await.unwrap();
    assert_eq!(
        repo.find(&key_client.id).await.unwrap(),
        Some(key_client.clone()),
        "{}",
        tdb.name()
    );
    let hmac_client = Client {
        auth_method: TokenEndpointAuthMethod::ClientSecretJwt,
        secret_digest: Some(TokenDigest::of("s")),
        security: ClientSecurity {
            jwks: ClientJwks::Uri("https://tool.example.com/jwks.json".into()),
            sealed_secret: Some(vec![0, 1, 2, 255]),
            ..ClientSecurity::default()
        },
        ..dynamic_client("hmac", NOW)
    };
    repo.insert(&hmac_client).await.unwrap();
    assert_eq!(
        repo.find(&hmac_client.id).await.unwrap(),
        Some(hmac_client.clone())
    );
    // Changing the registration keeps the key-authenticated client's kind.
    let moved = Client {
        security: ClientSecurity {
            jwks: ClientJwks::Uri("https://tool.example.com/new-jwks".into()),
            ..key_client.security.clone()
        },
        ..key_client.clone()
    };
    assert!(repo.update(&moved).await.unwrap(), "{}", tdb.name());
    assert_eq!(repo.find(&moved.id).await.unwrap(), Some(moved));
}
all_backends!(
    client_hardened_round_trip,
    hardened_registration_round_trips
);
