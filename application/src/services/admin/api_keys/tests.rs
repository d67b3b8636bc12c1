//! AdminApiKeys on the in-memory store: each change is done and audited once, with the key's
//! prefix as subject and never the key itself; a revocation that changes nothing is not.

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::MockAuditLog;
use crate::services::test_support::{clock_at, counting_rng, Recorder};
use secrecy::ExposeSecret;
use tessera_domain::{AuditEvent, AuditOutcome};

const NOW: i64 = 1_000_000;

fn admin(audit: &Recorder<AuditEvent>) -> (AdminApiKeys, Arc<ApiKeys>) {
    let store = Arc::new(InMemoryStore::new());
    let keys = Arc::new(ApiKeys::new(store, clock_at(NOW), counting_rng()));
    let mut log = MockAuditLog::new();
    let events = audit.clone();
    log.expect_record().returning(move |e| events.push(e));
    (
        AdminApiKeys::new(keys.clone(), clock_at(NOW), Arc::new(log)),
        keys,
    )
}

#[tokio::test]
async fn creating_and_revoking_are_audited_with_the_prefix_only() {
    let audit = Recorder::default();
    let (admin, keys) = admin(&audit);
    let actor = Actor::new("admin_token").with_ip("192.0.2.7");
    let expiry = UnixTime::from_secs(NOW + 3_600);
    let (key, full) = admin
        .create(&actor, "deploy", "read write", Some(expiry))
        .await
        .unwrap();
    assert_eq!(key.expires_at, Some(expiry));
    assert_eq!(admin.list().await.unwrap(), vec![key.clone()]);
    assert!(keys
        .authenticate(full.expose_secret())
        .await
        .unwrap()
        .is_some());

    let created = audit.only();
    assert_eq!(created.action, AuditAction::ApiKeyCreated);
    assert_eq!(created.outcome, AuditOutcome::Success);
    assert_eq!(created.actor.as_deref(), Some("admin_token"));
    assert_eq!(created.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(created.subject.as_deref(), Some(key.prefix.as_str()));
    assert_eq!(created.at, UnixTime::from_secs(NOW));
    assert!(
        !format!("{created:?}").contains(full.expose_secret()),
        "the key itself is never audited"
    );

    assert!(admin.revoke(&actor, key.prefix.as_str()).await.unwrap());
    assert!(keys
        .authenticate(full.expose_secret())
        .await
        .unwrap()
        .is_none());
    let events = audit.all();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].action, AuditAction::ApiKeyRevoked);
    assert_eq!(events[1].subject.as_deref(), Some(key.prefix.as_str()));
}

#[tokio::test]
async fn revoking_nothing_is_false_and_leaves_no_trail() {
    let audit = Recorder::default();
    let (admin, _) = admin(&audit);
    let actor = Actor::cli();
    assert!(!admin.revoke(&actor, "nosuchkey").await.unwrap());
    let (key, _) = admin.create(&actor, "ci", "read", None).await.unwrap();
    assert!(admin.revoke(&actor, key.prefix.as_str()).await.unwrap());
    assert!(!admin.revoke(&actor, key.prefix.as_str()).await.unwrap());
    let actions: Vec<AuditAction> = audit.all().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![AuditAction::ApiKeyCreated, AuditAction::ApiKeyRevoked]
    );
    assert_eq!(audit.all()[0].actor.as_deref(), Some("cli"));
    assert_eq!(audit.all()[0].ip, None);
}

#[tokio::test]
async fn a_bad_key_request_is_refused_without_an_audit_event() {
    let audit = Recorder::default();
    let (admin, _) = admin(&audit);
    let r = admin
        .create(&Actor::cli(), "ci", "not\"a scope", None)
        .await;
    assert!(r.is_err());
    assert!(audit.all().is_empty());
    assert!(admin.list().await.unwrap().is_empty());
}
