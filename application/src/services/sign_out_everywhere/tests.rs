use super::*;
use crate::ports::{
    MockAuthorizationCodeRepository, MockRefreshTokenRepository, MockRevocationRepository,
    MockSessionRepository,
};
use crate::services::test_support::{self as ts, Recorder, USER_ID};
use tessera_domain::UnixTime;

/// A code repository whose `revoke_for_user` answers `grants` once per call, `times` calls.
pub(crate) fn codes_ending(grants: &[&str], times: usize) -> MockAuthorizationCodeRepository {
    let grants: Vec<String> = grants.iter().map(|g| (*g).to_owned()).collect();
    let mut codes = MockAuthorizationCodeRepository::new();
    codes
        .expect_revoke_for_user()
        .times(times)
        .returning(move |_, _, _| Ok(grants.clone()));
    codes
}

#[tokio::test]
async fn asvs_7_4_2_ends_sessions_codes_refresh_families_and_every_grants_access_tokens() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_for_user()
        .withf(|u| u.as_str() == USER_ID)
        .times(1)
        .returning(|_| Ok(2));
    let mut refresh = MockRefreshTokenRepository::new();
    refresh
        .expect_revoke_for_user()
        .times(1)
        .returning(|_| Ok(vec!["f1".into(), "f2".into()]));
    // The codes: f1 started a refresh family, c1 (redeemed) and c2 (pending) did not.
    let mut codes = MockAuthorizationCodeRepository::new();
    codes
        .expect_revoke_for_user()
        .withf(|u, client, now| {
            u.as_str() == USER_ID && client.is_none() && *now == UnixTime::from_secs(1_000)
        })
        .times(1)
        .returning(|_, _, _| Ok(vec!["c1".into(), "f1".into(), "c2".into()]));
    let denied: Recorder<(String, UnixTime)> = Recorder::default();
    let d = denied.clone();
    let mut revocations = MockRevocationRepository::new();
    revocations.expect_revoke().returning(move |k, until| {
        d.push((k.to_owned(), until));
        Ok(())
    });
    let service = SignOutEverywhere::new(
        Arc::new(sessions),
        Arc::new(codes),
        Arc::new(refresh),
        Arc::new(revocations),
        ts::clock_at(1_000),
        930,
    );
    let user = UserId::parse(USER_ID).unwrap();
    assert_eq!(service.run(&user).await.unwrap(), (2, 4));
    let until = UnixTime::from_secs(1_930);
    assert_eq!(
        denied.all(),
        ["c1", "c2", "f1", "f2"]
            .iter()
            .map(|g| (format!("grant:{g}"), until))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn as_25_end_grants_of_one_client_ends_only_that_clients_codes() {
    let mut codes = MockAuthorizationCodeRepository::new();
    codes
        .expect_revoke_for_user()
        .withf(|_, client, _| client.map(|c| c.as_str()) == Some("rp"))
        .times(1)
        .returning(|_, _, _| Ok(vec!["c1".into()]));
    let denied: Recorder<(String, UnixTime)> = Recorder::default();
    let d = denied.clone();
    let mut revocations = MockRevocationRepository::new();
    revocations.expect_revoke().returning(move |k, until| {
        d.push((k.to_owned(), until));
        Ok(())
    });
    let service = SignOutEverywhere::new(
        Arc::new(MockSessionRepository::new()),
        Arc::new(codes),
        Arc::new(MockRefreshTokenRepository::new()),
        Arc::new(revocations),
        ts::clock_at(1_000),
        930,
    );
    let user = UserId::parse(USER_ID).unwrap();
    let client = ClientId::parse("rp").unwrap();
    let n = service
        .end_grants(&user, Some(&client), vec!["f1".into()])
        .await
        .unwrap();
    assert_eq!(n, 2);
    let keys: Vec<String> = denied.all().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["grant:c1", "grant:f1"]);
}

#[tokio::test]
async fn a_storage_failure_is_reported_not_swallowed() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_for_user()
        .returning(|_| Err(RepositoryError::Unavailable));
    let service = SignOutEverywhere::new(
        Arc::new(sessions),
        Arc::new(MockAuthorizationCodeRepository::new()),
        Arc::new(MockRefreshTokenRepository::new()),
        Arc::new(MockRevocationRepository::new()),
        ts::clock_at(1_000),
        930,
    );
    let user = UserId::parse(USER_ID).unwrap();
    assert!(matches!(
        service.run(&user).await,
        Err(RepositoryError::Unavailable)
    ));
}
