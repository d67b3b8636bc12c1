//! AdminKeys on the in-memory key store: a rotation makes a new active key, is audited with
//! the new kid, algorithm and force flag, and reloads the engine; a reload failure after the
//! rotation is only logged; a refused rotation leaves no trail.

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{GeneratedKey, MockAuditLog, MockJwsEngine, MockKeyCipher, MockKeyGenerator};
use crate::services::test_support::{clock_at, counting_rng, Recorder};
use crate::IssuerSettings;
use secrecy::SecretBox;
use tessera_domain::{AuditEvent, KeyState};

const NOW: i64 = 1_000_000;

fn key_service(store: Arc<InMemoryStore>, jws: MockJwsEngine, lead: i64) -> Arc<KeyService> {
    let mut generator = MockKeyGenerator::new();
    generator.expect_generate().returning(|_| {
        Ok(GeneratedKey {
            private_pkcs8_der: SecretBox::new(Box::new(vec![1, 2, 3])),
            public_jwk: serde_json::Map::new(),
        })
    });
    let mut cipher = MockKeyCipher::new();
    cipher.expect_encrypt().returning(|p, _| Ok(p.to_vec()));
    cipher
        .expect_decrypt()
        .returning(|p, _| Ok(SecretBox::new(Box::new(p.to_vec()))));
    Arc::new(
        KeyService::new(
            store,
            Arc::new(generator),
            Arc::new(cipher),
            Arc::new(jws),
            clock_at(NOW),
            counting_rng(),
            IssuerSettings::new("https://id.example"),
        )
        .with_publish_lead(lead),
    )
}

fn audit_log(audit: &Recorder<AuditEvent>) -> Arc<MockAuditLog> {
    let mut log = MockAuditLog::new();
    let events = audit.clone();
    log.expect_record().returning(move |e| events.push(e));
    Arc::new(log)
}

#[tokio::test]
async fn a_rotation_is_audited_and_installs_the_new_keys() {
    let store = Arc::new(InMemoryStore::new());
    let installed = Recorder::default();
    let mut jws = MockJwsEngine::new();
    let i = installed.clone();
    jws.expect_install().returning(move |material| {
        i.push(material.len());
        Ok(())
    });
    let audit = Recorder::default();
    let admin = AdminKeys::new(key_service(store, jws, 0), clock_at(NOW), audit_log(&audit));
    let kid = admin
        .rotate(
            &Actor::new("api_key:ab12cd34"),
            SigningAlgorithm::Es256,
            true,
        )
        .await
        .unwrap();
    let keys = admin.list().await.unwrap();
    let active: Vec<&SigningKey> = keys
        .iter()
        .filter(|k| k.state == KeyState::Active)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].kid, kid);
    assert_eq!(active[0].alg, SigningAlgorithm::Es256);
    assert_eq!(
        installed.only(),
        2,
        "the active key and its published successor"
    );
    let event = audit.only();
    assert_eq!(event.action, AuditAction::KeyRotated);
    assert_eq!(event.subject.as_deref(), Some(kid.as_str()));
    assert_eq!(event.actor.as_deref(), Some("api_key:ab12cd34"));
    assert_eq!(
        event.detail.as_deref(),
        Some("keys.rotate alg=ES256 force=true")
    );
}

#[tokio::test]
async fn a_reload_failure_after_rotating_still_returns_the_new_kid() {
    let store = Arc::new(InMemoryStore::new());
    let mut jws = MockJwsEngine::new();
    jws.expect_install()
        .returning(|_| Err(crate::errors::CryptoError::backend("engine busy")));
    let audit = Recorder::default();
    let admin = AdminKeys::new(key_service(store, jws, 0), clock_at(NOW), audit_log(&audit));
    let kid = admin
        .rotate(&Actor::cli(), SigningAlgorithm::Rs256, false)
        .await
        .unwrap();
    assert!(admin.list().await.unwrap().iter().any(|k| k.kid == kid));
    assert_eq!(audit.only().action, AuditAction::KeyRotated);
}

#[tokio::test]
async fn a_rotation_refused_as_too_soon_leaves_no_trail() {
    let store = Arc::new(InMemoryStore::new());
    let mut jws = MockJwsEngine::new();
    jws.expect_install().returning(|_| Ok(()));
    let audit = Recorder::default();
    let admin = AdminKeys::new(
        key_service(store, jws, 3_600),
        clock_at(NOW),
        audit_log(&audit),
    );
    let actor = Actor::cli();
    admin
        .rotate(&actor, SigningAlgorithm::Es256, true)
        .await
        .unwrap();
    let too_soon = admin.rotate(&actor, SigningAlgorithm::EdDsa, false).await;
    assert!(too_soon.is_err(), "{too_soon:?}");
    let actions: Vec<AuditAction> = audit.all().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec![AuditAction::KeyRotated]);
}
