use super::*;
use crate::ports::{MockAuditLog, MockClientRepository};
use crate::services::test_support::{self as ts, Recorder};
use secrecy::ExposeSecret;
use tessera_domain::AuditEvent;

fn service(repo: MockClientRepository) -> (AdminClients, Recorder<AuditEvent>) {
    let events = Recorder::default();
    let e = events.clone();
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(move |ev| e.push(ev));
    (
        AdminClients::new(
            Arc::new(repo),
            ts::clock_at(1_000),
            ts::counting_rng(),
            Arc::new(audit),
        ),
        events,
    )
}

fn admin() -> Actor {
    Actor::new("admin_token").with_ip("192.0.2.1")
}

#[tokio::test]
async fn admin_create_goes_through_the_registry_and_is_audited_without_the_secret() {
    let mut repo = MockClientRepository::new();
    repo.expect_insert().times(1).returning(|_| Ok(()));
    let (svc, events) = service(repo);
    let reg = svc
        .create(
            &admin(),
            NewClient {
                name: "svc".into(),
                scope: "read".into(),
                ..NewClient::default()
            },
        )
        .await
        .unwrap();
    let secret = reg.secret.unwrap();
    let e = events.only();
    assert_eq!(e.detail.as_deref(), Some("clients.create"));
    assert_eq!(e.actor.as_deref(), Some("admin_token"));
    assert_eq!(e.ip.as_deref(), Some("192.0.2.1"));
    assert!(!format!("{e:?}").contains(secret.expose_secret()));
}

#[tokio::test]
async fn admin_update_applies_domain_rules_and_names_the_field() {
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(|_| Ok(Some(ts::client(false))));
    let (svc, events) = service(repo);
    let err = svc
        .update(
            &admin(),
            ts::CLIENT_ID,
            ClientUpdate {
                redirect_uris: Some(vec![]),
                ..ClientUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdminClientError::Invalid {
                field: "redirect_uris",
                ..
            }
        ),
        "{err:?}"
    );
    let err = svc
        .update(
            &admin(),
            ts::CLIENT_ID,
            ClientUpdate {
                grants: Some(vec!["password".into()]),
                ..ClientUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AdminClientError::Invalid {
            field: "grant_types",
            ..
        }
    ));
    assert!(events.all().is_empty(), "refusals change nothing");
}

#[tokio::test]
async fn admin_update_stores_the_change_and_audits_it() {
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(|_| Ok(Some(ts::client(false))));
    repo.expect_update()
        .withf(|c| c.skip_consent && c.scope.to_string() == "openid")
        .times(1)
        .returning(|_| Ok(true));
    let (svc, events) = service(repo);
    let c = svc
        .update(
            &admin(),
            ts::CLIENT_ID,
            ClientUpdate {
                scope: Some("openid".into()),
                skip_consent: Some(true),
                ..ClientUpdate::default()
            },
        )
        .await
        .unwrap();
    assert!(c.skip_consent);
    assert_eq!(events.only().client_id.as_deref(), Some(ts::CLIENT_ID));
}

#[tokio::test]
async fn admin_rotate_secret_stores_only_the_digest_of_a_new_secret() {
    let stored: Recorder<TokenDigest> = Recorder::default();
    let s = stored.clone();
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(|_| Ok(Some(ts::client(false))));
    repo.expect_update_secret().times(1).returning(move |_, d| {
        s.push(d.clone());
        Ok(true)
    });
    let (svc, events) = service(repo);
    let secret = svc.rotate_secret(&admin(), ts::CLIENT_ID).await.unwrap();
    assert_eq!(stored.only(), TokenDigest::of(secret.expose_secret()));
    assert_ne!(secret.expose_secret(), "secret");
    let e = events.only();
    assert_eq!(e.detail.as_deref(), Some("clients.rotate_secret"));
    assert!(!format!("{e:?}").contains(secret.expose_secret()));
}

#[tokio::test]
async fn admin_rotate_secret_of_public_or_unknown_client_is_refused() {
    let mut repo = MockClientRepository::new();
    repo.expect_find().returning(|_| Ok(Some(ts::client(true))));
    let (svc, _) = service(repo);
    assert!(matches!(
        svc.rotate_secret(&admin(), ts::CLIENT_ID).await,
        Err(AdminClientError::PublicClient)
    ));
    let mut repo = MockClientRepository::new();
    repo.expect_find().returning(|_| Ok(None));
    let (svc, _) = service(repo);
    assert!(matches!(
        svc.rotate_secret(&admin(), "nope").await,
        Err(AdminClientError::NotFound)
    ));
}

#[tokio::test]
async fn admin_delete_of_unknown_client_is_not_found_and_not_audited() {
    let mut repo = MockClientRepository::new();
    repo.expect_delete().returning(|_| Ok(false));
    let (svc, events) = service(repo);
    assert!(matches!(
        svc.delete(&admin(), "gone").await,
        Err(AdminClientError::NotFound)
    ));
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn admin_update_sets_the_exchange_policy_and_refuses_bad_identifiers() {
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(|_| Ok(Some(ts::client(false))));
    repo.expect_update()
        .withf(|c| {
            c.exchange_audiences
                .iter()
                .map(|a| a.as_str())
                .eq(["https://api.example/"])
        })
        .times(1)
        .returning(|_| Ok(true));
    let (svc, _) = service(repo);
    let update = |v: &str| ClientUpdate {
        exchange_audiences: Some(vec![v.into()]),
        ..ClientUpdate::default()
    };
    svc.update(&admin(), ts::CLIENT_ID, update("https://api.example/"))
        .await
        .unwrap();
    let err = svc
        .update(&admin(), ts::CLIENT_ID, update("not a uri"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AdminClientError::Invalid {
            field: "exchange_audiences",
            ..
        }
    ));
}

#[tokio::test]
async fn rotating_a_client_secret_jwt_secret_seals_the_new_one_before_the_digest_changes() {
    let mut client = ts::client(false);
    client.auth_method = TokenEndpointAuthMethod::ClientSecretJwt;
    client.security.sealed_secret = Some(b"old".to_vec());
    let sealed = Recorder::default();
    let digests = Recorder::default();
    let (s, d) = (sealed.clone(), digests.clone());
    let mut repo = MockClientRepository::new();
    let found = client.clone();
    repo.expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    repo.expect_update().times(1).returning(move |c: &Client| {
        s.push(c.security.sealed_secret.clone());
        Ok(true)
    });
    repo.expect_update_secret()
        .times(1)
        .returning(move |_, dg| {
            d.push(dg.clone());
            Ok(true)
        });
    let mut cipher = crate::ports::MockKeyCipher::new();
    cipher.expect_encrypt().returning(|p, aad| {
        let mut out = aad.to_vec();
        out.push(b'|');
        out.extend_from_slice(p);
        Ok(out)
    });
    let (svc, _) = service(repo);
    let svc = svc.with_secret_sealer(Arc::new(cipher));
    let secret = svc.rotate_secret(&admin(), ts::CLIENT_ID).await.unwrap();
    let expected = format!("{}|{}", ts::CLIENT_ID, secret.expose_secret());
    assert_eq!(sealed.only(), Some(expected.into_bytes()));
    assert_eq!(digests.only(), TokenDigest::of(secret.expose_secret()));
}

#[tokio::test]
async fn rotating_without_a_sealer_or_for_a_key_client_is_refused() {
    let mut client = ts::client(false);
    client.auth_method = TokenEndpointAuthMethod::ClientSecretJwt;
    let mut repo = MockClientRepository::new();
    let found = client.clone();
    repo.expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let (svc, _) = service(repo);
    assert!(matches!(
        svc.rotate_secret(&admin(), ts::CLIENT_ID).await,
        Err(AdminClientError::Repository(_))
    ));
    client.auth_method = TokenEndpointAuthMethod::PrivateKeyJwt;
    let mut repo = MockClientRepository::new();
    repo.expect_find()
        .returning(move |_| Ok(Some(client.clone())));
    let (svc, _) = service(repo);
    assert!(matches!(
        svc.rotate_secret(&admin(), ts::CLIENT_ID).await,
        Err(AdminClientError::KeyClient)
    ));
}

mod errors;
