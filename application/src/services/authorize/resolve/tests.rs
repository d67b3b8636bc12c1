use super::*;
use crate::ports::{
    MockAuthorizationCodeRepository, MockClientJwtVerifier, MockClientRepository,
    MockConsentRepository, MockPushedRequestRepository, MockUserRepository, PushedRequest,
    VerifiedClientJwt,
};
use crate::services::authorize::{AuthorizationResponse, RequestObjects};
use crate::services::test_support::{self as ts, CHALLENGE, CLIENT_ID, ISS, REDIRECT};
use crate::{IssuerSettings, OAuthErrorCode};
use serde_json::json;
use std::sync::Arc;
use tessera_domain::{SecurityProfile, UnixTime};

const NOW: i64 = 10_000;
const RANDOM: &str = "rAnDoM";

fn clients_with(client: Client) -> MockClientRepository {
    let mut m = MockClientRepository::new();
    m.expect_find()
        .returning(move |id| Ok((*id == client.id).then(|| client.clone())));
    m
}

fn service(client: Client) -> Authorize {
    Authorize::new(
        Arc::new(clients_with(client)),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockConsentRepository::new()),
        Arc::new(MockAuthorizationCodeRepository::new()),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    )
}

fn request_pairs() -> Vec<(String, String)> {
    [
        ("client_id", CLIENT_ID),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid read"),
        ("state", "pushed-state"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A store holding one request under `RANDOM`'s digest for the test client, taken once.
fn store_with_one() -> MockPushedRequestRepository {
    let mut m = MockPushedRequestRepository::new();
    let mut left = true;
    m.expect_take().returning(move |digest, client, now| {
        let hit = left
            && *digest == TokenDigest::of(RANDOM)
            && client.as_str() == CLIENT_ID
            && now.as_secs() == NOW;
        if hit {
            left = false;
        }
        Ok(hit.then(|| PushedRequest {
            digest: TokenDigest::of(RANDOM),
            client_id: ClientId::parse(CLIENT_ID).unwrap(),
            params: request_pairs(),
            expires_at: UnixTime::from_secs(NOW + 60),
        }))
    });
    m
}

fn front(pairs: &[(&str, &str)]) -> AuthorizeParams {
    AuthorizeParams::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
}

fn by_uri(uri: &str) -> AuthorizeParams {
    front(&[
        ("client_id", CLIENT_ID),
        ("request_uri", uri),
        ("scope", "ignored"),
    ])
}

fn assert_page<T: std::fmt::Debug>(r: Result<T, AuthorizeError>, mentions: &str) {
    match r {
        Err(AuthorizeError::NotRedirectable(m)) => assert!(m.contains(mentions), "{m}"),
        other => panic!("expected an error page mentioning {mentions}, got {other:?}"),
    }
}

fn redirected<T: std::fmt::Debug>(r: Result<T, AuthorizeError>) -> AuthorizationResponse {
    match r {
        Err(AuthorizeError::Redirect(resp)) => resp,
        other => panic!("expected an error sent to the redirect URI, got {other:?}"),
    }
}

#[tokio::test]
async fn a_pushed_request_uri_stands_for_its_parameters_once() {
    let authorize = service(ts::client(false)).with_pushed_requests(Arc::new(store_with_one()));
    let uri = format!("{REQUEST_URI_PREFIX}{RANDOM}");
    let resolved = authorize.resolve(by_uri(&uri)).await.unwrap();
    assert_eq!(resolved.origin, ParamsOrigin::Pushed);
    assert_eq!(
        resolved.pairs(),
        request_pairs(),
        "only the pushed parameters"
    );
    assert!(authorize.validate(&resolved).await.is_ok());
    assert_page(authorize.resolve(by_uri(&uri)).await, "invalid_request_uri");
}

#[tokio::test]
async fn unknown_other_hosts_and_other_clients_request_uris_are_error_pages() {
    let mut other = ts::client(false);
    other.id = ClientId::parse("other").unwrap();
    let mut clients = MockClientRepository::new();
    let (web, second) = (ts::client(false), other.clone());
    clients
        .expect_find()
        .returning(move |id| Ok([&web, &second].into_iter().find(|c| c.id == *id).cloned()));
    let authorize = Authorize::new(
        Arc::new(clients),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockConsentRepository::new()),
        Arc::new(MockAuthorizationCodeRepository::new()),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    )
    .with_pushed_requests(Arc::new(store_with_one()));
    let good = format!("{REQUEST_URI_PREFIX}{RANDOM}");
    let mut stolen = by_uri(&good);
    stolen.client_id = Some("other".into());
    assert_page(authorize.resolve(stolen).await, "invalid_request_uri");
    for uri in [
        "https://evil.example/request.jwt",
        "urn:ietf:params:oauth:request_uri",
        &format!("{REQUEST_URI_PREFIX}unknown"),
    ] {
        assert_page(authorize.resolve(by_uri(uri)).await, "invalid_request_uri");
    }
    // None of those used it up: its own client still can.
    assert!(authorize.resolve(by_uri(&good)).await.is_ok());
}

#[tokio::test]
async fn the_client_must_be_known_and_only_one_reference_is_allowed() {
    let authorize = service(ts::client(false)).with_pushed_requests(Arc::new(store_with_one()));
    let uri = format!("{REQUEST_URI_PREFIX}{RANDOM}");
    assert_page(
        authorize.resolve(front(&[("request_uri", &uri)])).await,
        "no client_id",
    );
    assert_page(
        authorize
            .resolve(front(&[("client_id", "nobody"), ("request_uri", &uri)]))
            .await,
        "not registered",
    );
    assert_page(
        authorize
            .resolve(front(&[
                ("client_id", CLIENT_ID),
                ("request_uri", &uri),
                ("request", "a.b.c"),
            ]))
            .await,
        "both",
    );
}

#[tokio::test]
async fn without_the_features_wired_references_pass_through_to_be_refused() {
    let authorize = service(ts::client(false));
    let params = by_uri("urn:ietf:params:oauth:request_uri:x");
    assert_eq!(authorize.resolve(params.clone()).await.unwrap(), params);
    let resp = redirected(
        authorize
            .validate(&front(&[
                ("client_id", CLIENT_ID),
                ("request_uri", "urn:ietf:params:oauth:request_uri:x"),
            ]))
            .await,
    );
    assert_eq!(
        resp.error_code(),
        Some(OAuthErrorCode::RequestUriNotSupported)
    );
    let resp = redirected(
        authorize
            .validate(&front(&[("client_id", CLIENT_ID), ("request", "a.b.c")]))
            .await,
    );
    assert_eq!(resp.error_code(), Some(OAuthErrorCode::RequestNotSupported));
}

fn verifier_answering(claims: serde_json::Value) -> MockClientJwtVerifier {
    let mut v = MockClientJwtVerifier::new();
    v.expect_verify().returning(move |_, _, _, _| {
        Ok(VerifiedClientJwt {
            claims: claims.as_object().cloned().unwrap_or_default(),
            alg: "ES256".into(),
            kid: None,
        })
    });
    v
}

fn with_objects(verifier: MockClientJwtVerifier) -> Authorize {
    service(ts::client(false)).with_request_objects(Arc::new(RequestObjects::new(
        Arc::new(verifier),
        ts::clock_at(NOW),
        ISS,
        SecurityProfile::Standard,
        0,
    )))
}

const UNSIGNED_LOOKING: &str = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";

#[tokio::test]
async fn a_request_object_replaces_the_outer_parameters() {
    let claims = json!({
        "iss": CLIENT_ID, "aud": ISS, "exp": NOW + 60,
        "response_type": "code", "redirect_uri": REDIRECT, "scope": "openid",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256", "state": "inside",
    });
    let authorize = with_objects(verifier_answering(claims));
    let resolved = authorize
        .resolve(front(&[
            ("client_id", CLIENT_ID),
            ("request", UNSIGNED_LOOKING),
            ("state", "outside"),
            ("scope", "openid read"),
        ]))
        .await
        .unwrap();
    assert_eq!(resolved.state.as_deref(), Some("inside"));
    assert_eq!(resolved.scope.as_deref(), Some("openid"));
    assert_eq!(resolved.request, None);
    assert_eq!(resolved.origin, ParamsOrigin::FrontChannel);
    assert!(authorize.validate(&resolved).await.is_ok());
}

#[tokio::test]
async fn a_bad_request_object_is_an_error_page() {
    let mut v = MockClientJwtVerifier::new();
    v.expect_verify()
        .returning(|_, _, _, _| Err(crate::ports::ClientJwtError::UnknownKey));
    let authorize = with_objects(v);
    assert_page(
        authorize
            .resolve(front(&[
                ("client_id", CLIENT_ID),
                ("request", UNSIGNED_LOOKING),
            ]))
            .await,
        "invalid_request_object",
    );
    let wrong_aud = json!({"iss": CLIENT_ID, "aud": "https://other.example", "exp": NOW + 60});
    assert_page(
        with_objects(verifier_answering(wrong_aud))
            .resolve(front(&[
                ("client_id", CLIENT_ID),
                ("request", UNSIGNED_LOOKING),
            ]))
            .await,
        "aud",
    );
}

fn full(origin: ParamsOrigin) -> AuthorizeParams {
    let mut p = AuthorizeParams::from_pairs(request_pairs());
    p.origin = origin;
    p
}

#[tokio::test]
async fn a_client_that_must_push_gets_invalid_request_without_a_pushed_request() {
    let mut must = ts::client(false);
    must.security.require_par = true;
    let mut fapi = ts::client(false);
    fapi.security.profile = SecurityProfile::Fapi2;
    for client in [must, fapi] {
        let authorize = service(client);
        let resp = redirected(authorize.validate(&full(ParamsOrigin::FrontChannel)).await);
        assert_eq!(resp.error_code(), Some(OAuthErrorCode::InvalidRequest));
        assert_eq!(resp.redirect_uri, REDIRECT);
        assert_eq!(
            resp.state.as_ref().map(|s| s.as_str()),
            Some("pushed-state")
        );
        assert!(authorize
            .validate(&full(ParamsOrigin::Pushed))
            .await
            .is_ok());
    }
}

#[tokio::test]
async fn par_required_globally_holds_every_client_to_it() {
    let required = service(ts::client(false)).with_par_required(true);
    let resp = redirected(required.validate(&full(ParamsOrigin::FrontChannel)).await);
    assert_eq!(resp.error_code(), Some(OAuthErrorCode::InvalidRequest));
    assert!(required.validate(&full(ParamsOrigin::Pushed)).await.is_ok());
    let optional = service(ts::client(false));
    assert!(optional
        .validate(&full(ParamsOrigin::FrontChannel))
        .await
        .is_ok());
}
