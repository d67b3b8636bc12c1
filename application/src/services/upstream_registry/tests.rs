use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{MockAuditLog, MockKeyCipher};
use crate::services::test_support::{self as ts, Recorder};
use tessera_domain::AuditEvent;

/// A cipher that prefixes the associated data, so a test can see what was sealed under what.
fn cipher() -> Arc<MockKeyCipher> {
    let mut c = MockKeyCipher::new();
    c.expect_encrypt().returning(|p, aad| {
        let mut out = aad.to_vec();
        out.push(b'|');
        out.extend_from_slice(p);
        Ok(out)
    });
    Arc::new(c)
}

fn service() -> (UpstreamRegistry, Arc<InMemoryStore>, Recorder<AuditEvent>) {
    let store = Arc::new(InMemoryStore::new());
    let events = Recorder::default();
    let e = events.clone();
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(move |ev| e.push(ev));
    let svc = UpstreamRegistry::new(
        store.clone(),
        cipher(),
        ts::counting_rng(),
        ts::clock_at(1_000),
        Arc::new(audit),
        "https://id.example.com/".into(),
    );
    (svc, store, events)
}

fn oidc() -> NewUpstream {
    NewUpstream {
        name: "Corp".into(),
        issuer: Some("https://corp.example.com".into()),
        client_id: "tessera".into(),
        client_secret: SecretString::from("s3cret"),
        ..NewUpstream::default()
    }
}

#[tokio::test]
async fn an_oidc_upstream_is_stored_with_openid_and_its_secret_sealed() {
    let (svc, store, events) = service();
    let mut req = oidc();
    req.scope = Some("email".into());
    let up = svc.create(&Actor::cli(), req).await.unwrap();
    assert_eq!(up.kind, UpstreamKind::Oidc);
    assert!(up.scope.contains("openid") && up.scope.contains("email"));
    assert_eq!(up.claims, ClaimMapping::default());
    let sealed = String::from_utf8(up.sealed_secret.clone()).unwrap();
    assert_eq!(sealed, format!("{}|s3cret", up.id));
    assert_eq!(
        svc.redirect_uri(&up),
        format!("https://id.example.com/upstream/{}/callback", up.id)
    );
    assert_eq!(
        UpstreamRepository::list(store.as_ref()).await.unwrap(),
        vec![up.clone()]
    );
    assert_eq!(events.only().action, AuditAction::UpstreamCreated);
    svc.delete(&Actor::cli(), up.id.as_str()).await.unwrap();
    assert!(matches!(
        svc.delete(&Actor::cli(), up.id.as_str()).await,
        Err(UpstreamRegistryError::NotFound(_))
    ));
    assert!(matches!(
        svc.delete(&Actor::cli(), "junk").await,
        Err(UpstreamRegistryError::NotFound(_))
    ));
}

#[tokio::test]
async fn github_defaults_its_bases_and_scopes() {
    let (svc, _, _) = service();
    let mut req = oidc();
    req.kind = Some("github".into());
    req.issuer = None;
    let up = svc.create(&Actor::cli(), req).await.unwrap();
    assert_eq!(up.issuer.as_str(), GITHUB_WEB_BASE);
    assert_eq!(up.api_base.unwrap().as_str(), GITHUB_API_BASE);
    assert!(up.scope.contains("user:email") && !up.scope.contains("openid"));
}

#[tokio::test]
async fn bad_fields_are_named() {
    let (svc, store, _) = service();
    type Change = Box<dyn Fn(&mut NewUpstream)>;
    let cases: Vec<(&str, Change)> = vec![
        ("name", Box::new(|r| r.name = " ".into())),
        (
            "issuer",
            Box::new(|r| r.issuer = Some("http://corp.example.com".into())),
        ),
        ("issuer", Box::new(|r| r.issuer = None)),
        ("client_id", Box::new(|r| r.client_id = String::new())),
        (
            "client_secret",
            Box::new(|r| r.client_secret = SecretString::from("")),
        ),
        ("kind", Box::new(|r| r.kind = Some("saml".into()))),
        (
            "api_base",
            Box::new(|r| r.api_base = Some("https://api.example".into())),
        ),
        ("scope", Box::new(|r| r.scope = Some("a\"b".into()))),
        ("claims", Box::new(|r| r.email_claim = Some(String::new()))),
    ];
    for (field, change) in cases {
        let mut req = oidc();
        change(&mut req);
        match svc.create(&Actor::cli(), req).await {
            Err(UpstreamRegistryError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(UpstreamRepository::list(store.as_ref())
        .await
        .unwrap()
        .is_empty());
}
