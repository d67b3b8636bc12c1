use super::*;
use crate::errors::VerifyError;
use crate::ports::{MockClientRepository, MockJwsEngine, VerifiedJws};
use crate::services::test_support::{
    self as ts, CLIENT_ID, ISS, LOGOUT_REDIRECT, OTHER_USER_ID, USER_ID,
};
use serde_json::json;
use tessera_domain::{Client, UnixTime};

const NOW: i64 = 30_000;

/// Tokens the engine knows: Alice's ID token for `web`, one from another issuer, one for
/// another client, an expired one, and one whose signature fails.
fn engine() -> MockJwsEngine {
    let mut jws = MockJwsEngine::new();
    jws.expect_verify()
        .withf(|_, typ, now| typ == ID_TOKEN_TYP && *now == UnixTime::from_secs(NOW))
        .returning(|token, _, _| {
            let claims = match token {
                "alice" => {
                    json!({ "iss": ISS, "sub": USER_ID, "aud": CLIENT_ID, "exp": NOW + 60 })
                }
                "expired" => json!({ "iss": ISS, "sub": USER_ID, "aud": CLIENT_ID, "exp": 1 }),
                "bob" => json!({ "iss": ISS, "sub": OTHER_USER_ID, "aud": CLIENT_ID }),
                "other-client" => json!({ "iss": ISS, "sub": USER_ID, "aud": "other-app" }),
                "foreign" => {
                    json!({ "iss": "https://evil.example", "sub": USER_ID, "aud": CLIENT_ID })
                }
                "no-aud" => json!({ "iss": ISS, "sub": USER_ID }),
                "aud-array" => json!({ "iss": ISS, "sub": USER_ID, "aud": [CLIENT_ID] }),
                _ => return Err(VerifyError::Signature),
            };
            Ok(VerifiedJws {
                claims: claims.as_object().unwrap().clone(),
                kid: "k1".into(),
            })
        });
    jws
}

fn clients_with(client: Client) -> MockClientRepository {
    let mut m = MockClientRepository::new();
    m.expect_find()
        .returning(move |id| Ok((*id == client.id).then(|| client.clone())));
    m
}

fn logout(clients: MockClientRepository) -> Logout {
    Logout::new(
        Arc::new(engine()),
        Arc::new(clients),
        ts::clock_at(NOW),
        IssuerSettings::new(ISS),
    )
}

fn hinted(hint: &str) -> LogoutRequest {
    LogoutRequest {
        id_token_hint: Some(hint.into()),
        ..LogoutRequest::default()
    }
}

fn to(
    uri: &str,
    hint: Option<&str>,
    client_id: Option<&str>,
    state: Option<&str>,
) -> LogoutRequest {
    LogoutRequest {
        id_token_hint: hint.map(str::to_owned),
        post_logout_redirect_uri: Some(uri.into()),
        state: state.map(str::to_owned),
        client_id: client_id.map(str::to_owned),
    }
}

fn alice() -> UserId {
    UserId::parse(USER_ID).unwrap()
}

async fn plan(req: LogoutRequest, signed_in: Option<&UserId>) -> Result<LogoutPlan, LogoutError> {
    logout(clients_with(ts::client(false)))
        .plan(&req, signed_in)
        .await
}

fn assert_invalid_request(r: Result<LogoutPlan, LogoutError>) {
    assert!(
        matches!(r, Err(LogoutError::InvalidRequest(_))),
        "expected an error page, got {r:?}"
    );
}

#[tokio::test]
async fn asvs_10_6_2_valid_hint_for_the_signed_in_user_needs_no_confirmation() {
    for hint in ["alice", "expired"] {
        let p = plan(hinted(hint), Some(&alice())).await.unwrap();
        assert_eq!(
            p,
            LogoutPlan {
                needs_confirmation: false,
                redirect: None
            }
        );
    }
}

#[tokio::test]
async fn asvs_10_6_2_logout_without_hint_needs_confirmation_when_signed_in() {
    let p = plan(LogoutRequest::default(), Some(&alice()))
        .await
        .unwrap();
    assert!(p.needs_confirmation);
    let p = plan(
        LogoutRequest {
            client_id: Some(CLIENT_ID.into()),
            ..LogoutRequest::default()
        },
        Some(&alice()),
    )
    .await
    .unwrap();
    assert!(
        p.needs_confirmation,
        "a client_id alone vouches for nothing"
    );
}

#[tokio::test]
async fn asvs_10_6_2_hint_for_another_user_needs_confirmation() {
    let p = plan(hinted("bob"), Some(&alice())).await.unwrap();
    assert!(p.needs_confirmation);
}

#[tokio::test]
async fn asvs_10_6_2_unverifiable_or_foreign_hint_is_ignored_and_needs_confirmation() {
    for hint in ["forged", "foreign", "no-aud", "aud-array"] {
        let p = plan(hinted(hint), Some(&alice())).await.unwrap();
        assert!(p.needs_confirmation, "{hint}");
    }
}

#[tokio::test]
async fn nobody_signed_in_needs_no_confirmation() {
    for req in [LogoutRequest::default(), hinted("alice"), hinted("forged")] {
        let p = plan(req, None).await.unwrap();
        assert!(!p.needs_confirmation);
    }
}

#[tokio::test]
async fn as_05_unregistered_post_logout_redirect_uri_is_refused() {
    for uri in [
        "https://app.example/bye/",
        "https://app.example/byebye",
        "https://app.example/bye?from=evil",
        "https://evil.example/bye",
        "https://app.example/cb",
        "https://app.example/bye#x",
    ] {
        assert_invalid_request(plan(to(uri, Some("alice"), None, None), Some(&alice())).await);
        assert_invalid_request(plan(to(uri, None, Some(CLIENT_ID), None), None).await);
    }
}

#[tokio::test]
async fn as_05_post_logout_redirect_uri_without_a_known_client_is_refused() {
    // No client named at all, an unverifiable hint, a malformed id: no lookup.
    let strict = logout(MockClientRepository::new());
    for req in [
        to(LOGOUT_REDIRECT, None, None, None),
        to(LOGOUT_REDIRECT, Some("forged"), None, None),
        to(LOGOUT_REDIRECT, None, Some("a b"), None),
    ] {
        assert_invalid_request(strict.plan(&req, None).await);
    }
    // An unknown client.
    assert_invalid_request(plan(to(LOGOUT_REDIRECT, None, Some("nobody"), None), None).await);
    // The hint names another client, for which the URI is not registered.
    assert_invalid_request(plan(to(LOGOUT_REDIRECT, Some("other-client"), None, None), None).await);
}

#[tokio::test]
async fn client_id_mismatching_the_hint_is_refused() {
    let req = LogoutRequest {
        id_token_hint: Some("alice".into()),
        client_id: Some("other-app".into()),
        ..LogoutRequest::default()
    };
    // Refused before any client lookup.
    let r = logout(MockClientRepository::new())
        .plan(&req, Some(&alice()))
        .await;
    assert_invalid_request(r);
}

#[tokio::test]
async fn registered_uri_named_by_the_hint_or_the_client_id_is_the_redirect() {
    for req in [
        to(LOGOUT_REDIRECT, Some("alice"), None, None),
        to(LOGOUT_REDIRECT, Some("alice"), Some(CLIENT_ID), None),
        to(LOGOUT_REDIRECT, None, Some(CLIENT_ID), None),
    ] {
        let p = plan(req, None).await.unwrap();
        assert_eq!(p.redirect.as_deref(), Some(LOGOUT_REDIRECT));
    }
}

#[tokio::test]
async fn state_is_appended_to_the_redirect_percent_encoded() {
    let p = plan(
        to(LOGOUT_REDIRECT, Some("alice"), None, Some("a b&c=d/~?#%é")),
        None,
    )
    .await;
    // Not printable ASCII: dropped rather than echoed.
    assert_eq!(p.unwrap().redirect.as_deref(), Some(LOGOUT_REDIRECT));
    let p = plan(
        to(LOGOUT_REDIRECT, Some("alice"), None, Some("a b&c=d/~?#%+x")),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        p.redirect.as_deref(),
        Some("https://app.example/bye?state=a%20b%26c%3Dd%2F~%3F%23%25%2Bx")
    );
}

#[tokio::test]
async fn state_joins_an_existing_query_with_an_ampersand() {
    let p = plan(
        to(
            "https://app.example/bye?from=op",
            None,
            Some(CLIENT_ID),
            Some("s1"),
        ),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        p.redirect.as_deref(),
        Some("https://app.example/bye?from=op&state=s1")
    );
}

#[tokio::test]
async fn without_a_post_logout_redirect_uri_there_is_no_redirect_and_no_lookup() {
    let req = LogoutRequest {
        id_token_hint: Some("alice".into()),
        state: Some("s1".into()),
        client_id: Some(CLIENT_ID.into()),
        ..LogoutRequest::default()
    };
    let p = logout(MockClientRepository::new())
        .plan(&req, Some(&alice()))
        .await
        .unwrap();
    assert_eq!(p.redirect, None);
}

#[tokio::test]
async fn client_lookup_failure_is_a_repository_error() {
    let mut clients = MockClientRepository::new();
    clients
        .expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let r = logout(clients)
        .plan(&to(LOGOUT_REDIRECT, None, Some(CLIENT_ID), None), None)
        .await;
    assert!(matches!(r, Err(LogoutError::Repository(_))), "{r:?}");
}
