//! The rest of an account's administrative life: enabling, deleting, listing and revoking
//! consents, ending sessions, resetting second factors without the feature, and the error codes.

use super::*;
use crate::services::SecondFactorError;
use tessera_domain::{ClientId, Consent};

#[tokio::test]
async fn enabling_is_audited_and_a_vanished_account_is_not_found() {
    let mut ports = Ports::new().with_user();
    ports
        .users
        .expect_set_disabled()
        .withf(|_, disabled| !*disabled)
        .times(1)
        .returning(|_, _| Ok(true));
    let (svc, events) = ports.build();
    svc.enable(&admin(), USER_ID).await.unwrap();
    assert_eq!(events.only().detail.as_deref(), Some("users.enable"));

    let mut ports = Ports::new().with_user();
    ports
        .users
        .expect_set_disabled()
        .returning(|_, _| Ok(false));
    let (svc, events) = ports.build();
    assert!(matches!(
        svc.enable(&admin(), USER_ID).await,
        Err(AdminUserError::NotFound)
    ));
    assert!(matches!(
        svc.disable(&admin(), USER_ID).await,
        Err(AdminUserError::NotFound)
    ));
    assert!(events.all().is_empty(), "nothing happened, nothing audited");
}

#[tokio::test]
async fn deleting_signs_out_first_and_is_audited_once() {
    let mut ports = Ports::new().with_user().signs_out(2);
    let mut deleted = mockall::Sequence::new();
    ports
        .users
        .expect_delete()
        .times(1)
        .in_sequence(&mut deleted)
        .returning(|_| Ok(true));
    ports
        .users
        .expect_delete()
        .times(1)
        .in_sequence(&mut deleted)
        .returning(|_| Ok(false));
    let (svc, events) = ports.build();
    svc.delete(&admin(), USER_ID).await.unwrap();
    assert!(matches!(
        svc.delete(&admin(), USER_ID).await,
        Err(AdminUserError::NotFound)
    ));
    let e = events.only();
    assert_eq!(e.detail.as_deref(), Some("users.delete"));
    assert_eq!(e.action, AuditAction::AdminAction);
}

#[tokio::test]
async fn consents_are_listed_and_a_malformed_client_is_no_consent() {
    let mut ports = Ports::new().with_user();
    let consent = Consent {
        user_id: ts::user().id,
        client_id: ClientId::parse("web").unwrap(),
        scope: ts::scope("openid"),
        resources: vec![],
        granted_at: UnixTime::from_secs(10),
    };
    let listed = consent.clone();
    ports
        .consents
        .expect_list_for_user()
        .withf(|u| u.as_str() == USER_ID)
        .returning(move |_| Ok(vec![listed.clone()]));
    let (svc, events) = ports.build();
    assert_eq!(svc.consents(USER_ID).await.unwrap(), vec![consent]);
    assert!(matches!(
        svc.revoke_consent(&admin(), USER_ID, "not a client id")
            .await,
        Err(AdminUserError::ConsentNotFound)
    ));
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn ending_every_session_reports_what_ended_and_is_audited() {
    let mut ports = Ports::new().with_user().signs_out(1);
    ports.revocations.expect_revoke().returning(|_, _| Ok(()));
    let (svc, events) = ports.build();
    assert_eq!(
        svc.revoke_sessions(&admin(), USER_ID).await.unwrap(),
        (1, 0)
    );
    let e = events.only();
    assert_eq!(e.detail.as_deref(), Some("users.sessions.revoke"));
    assert_eq!(e.subject.as_deref(), Some(USER_ID));
}

#[tokio::test]
async fn resetting_second_factors_without_the_feature_is_not_found() {
    let (svc, events) = Ports::new().with_user().build();
    assert!(matches!(
        svc.reset_mfa(&admin().with_ip("192.0.2.1"), USER_ID).await,
        Err(AdminUserError::NotFound)
    ));
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn a_store_outage_while_finding_the_user_is_temporarily_unavailable() {
    let mut ports = Ports::new();
    ports
        .users
        .expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let (svc, _) = ports.build();
    let e = svc.unlock(&admin(), USER_ID).await.unwrap_err();
    assert_eq!(e.code(), OAuthErrorCode::TemporarilyUnavailable);
}

#[test]
fn each_refusal_names_its_code() {
    assert_eq!(AdminUserError::NotFound.code(), OAuthErrorCode::NotFound);
    assert_eq!(
        AdminUserError::ConsentNotFound.code(),
        OAuthErrorCode::NotFound
    );
    assert_eq!(AdminUserError::Limit.code(), OAuthErrorCode::InvalidRequest);
    assert_eq!(
        AdminUserError::Repository(RepositoryError::Conflict).code(),
        OAuthErrorCode::ServerError
    );
    assert_eq!(
        AdminUserError::SecondFactor(SecondFactorError::NotFound).code(),
        SecondFactorError::NotFound.code()
    );
}
