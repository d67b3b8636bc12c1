use super::*;
use crate::ports::{MockApiKeyRepository, MockAuditLog, MockFailureBudget};
use crate::services::test_support::{clock_at, counting_rng, Recorder};
use std::net::{IpAddr, Ipv4Addr};
use tessera_domain::{AuditEvent, UnixTime};

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

struct Fixture {
    auth: AdminAuthenticator,
    events: Recorder<AuditEvent>,
    spent: Recorder<Option<IpAddr>>,
}

/// An authenticator with token `secret-admin-token`, no API key known, and a budget that
/// answers `check` with `budget`.
fn fixture(budget: Result<(), u64>) -> Fixture {
    let events = Recorder::default();
    let spent = Recorder::default();
    let mut audit = MockAuditLog::new();
    let e = events.clone();
    audit.expect_record().returning(move |ev| e.push(ev));
    let mut limits = MockFailureBudget::new();
    limits.expect_check().return_const(budget);
    let s = spent.clone();
    limits.expect_failed().returning(move |ip| s.push(ip));
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find().returning(|_| Ok(None));
    let api_keys = Arc::new(ApiKeys::new(
        Arc::new(keys),
        clock_at(1_000),
        counting_rng(),
    ));
    let token = SecretString::from("secret-admin-token".to_owned());
    Fixture {
        auth: AdminAuthenticator::new(Some(&token), api_keys, Arc::new(limits), Arc::new(audit)),
        events,
        spent,
    }
}

fn ctx() -> RequestContext {
    RequestContext {
        ip: Some(IP),
        request_id: "r1".to_owned(),
        now: UnixTime::from_secs(1_000),
    }
}

#[tokio::test]
async fn the_admin_token_is_an_actor_seen_from_the_address_and_not_audited() {
    let f = fixture(Ok(()));
    let actor = f
        .auth
        .authenticate(&ctx(), Some("secret-admin-token"))
        .await
        .unwrap();
    assert_eq!(actor, Actor::new("admin_token").with_ip(IP.to_string()));
    assert!(f.events.all().is_empty());
    assert!(f.spent.all().is_empty());
}

#[tokio::test]
async fn a_missing_or_wrong_credential_spends_the_budget_and_is_audited() {
    for (bearer, detail) in [
        (None, "admin.auth missing credentials"),
        (Some("guess"), "admin.auth invalid credentials"),
        (Some("tsk_unknownkey_x"), "admin.auth invalid credentials"),
    ] {
        let f = fixture(Ok(()));
        let err = f.auth.authenticate(&ctx(), bearer).await.unwrap_err();
        assert!(
            matches!(err, AdminAuthError::Missing | AdminAuthError::Invalid),
            "{err:?}"
        );
        assert_eq!(f.spent.only(), Some(IP));
        let event = f.events.only();
        assert_eq!(event.action, AuditAction::AdminAction);
        assert_eq!(event.outcome, AuditOutcome::Failure);
        assert_eq!(event.detail.as_deref(), Some(detail));
        assert_eq!(event.ip.as_deref(), Some("192.0.2.7"));
        assert_eq!(event.at, UnixTime::from_secs(1_000));
    }
}

#[tokio::test]
async fn an_address_out_of_budget_is_refused_even_with_the_right_token() {
    let f = fixture(Err(42));
    let err = f
        .auth
        .authenticate(&ctx(), Some("secret-admin-token"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        AdminAuthError::Throttled {
            retry_after_secs: 42
        }
    ));
    assert!(
        f.spent.all().is_empty(),
        "a refusal by budget spends nothing"
    );
    assert_eq!(f.events.only().outcome, AuditOutcome::Failure);
}

#[tokio::test]
async fn without_a_configured_token_token_access_is_off() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().return_const(());
    let mut limits = MockFailureBudget::new();
    limits.expect_check().return_const(Ok(()));
    limits.expect_failed().return_const(());
    let api_keys = Arc::new(ApiKeys::new(
        Arc::new(MockApiKeyRepository::new()),
        clock_at(1_000),
        counting_rng(),
    ));
    let empty = SecretString::from(String::new());
    let auth = AdminAuthenticator::new(Some(&empty), api_keys, Arc::new(limits), Arc::new(audit));
    let err = auth.authenticate(&ctx(), Some("")).await.unwrap_err();
    assert!(matches!(err, AdminAuthError::Missing));
}
