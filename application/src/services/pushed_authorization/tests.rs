use super::*;
use crate::ports::{
    MockAuthorizationCodeRepository, MockClientJwtVerifier, MockClientRepository,
    MockConsentRepository, MockPushedRequestRepository, MockUserRepository, VerifiedClientJwt,
};
use crate::services::test_support::{self as ts, CHALLENGE, CLIENT_ID, ISS, REDIRECT};
use crate::services::RequestObjects;
use crate::IssuerSettings;
use serde_json::json;
use std::sync::Mutex;
use tessera_domain::{SecurityProfile, UnixTime};

const NOW: i64 = 10_000;

fn authorize(verifier: Option<MockClientJwtVerifier>) -> Arc<Authorize> {
    let client = ts::client(false);
    let mut clients = MockClientRepository::new();
    clients
        .expect_find()
        .returning(move |id| Ok((*id == client.id).then(|| client.clone())));
    let a = Authorize::new(
        Arc::new(clients),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockConsentRepository::new()),
        Arc::new(MockAuthorizationCodeRepository::new()),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    )
    // A client that must push is of course allowed to, at /par.
    .with_par_required(true);
    Arc::new(match verifier {
        Some(v) => a.with_request_objects(Arc::new(RequestObjects::new(
            Arc::new(v),
            ts::clock_at(NOW),
            ISS,
            SecurityProfile::Standard,
            0,
        ))),
        None => a,
    })
}

/// A store recording what is inserted.
fn recording_store(stored: Arc<Mutex<Vec<PushedRequest>>>) -> MockPushedRequestRepository {
    let mut m = MockPushedRequestRepository::new();
    m.expect_insert().returning(move |r| {
        stored.lock().unwrap().push(r.clone());
        Ok(())
    });
    m
}

fn service(
    verifier: Option<MockClientJwtVerifier>,
    store: MockPushedRequestRepository,
) -> PushedAuthorization {
    PushedAuthorization::new(
        authorize(verifier),
        Arc::new(store),
        ts::clock_at(NOW),
        ts::counting_rng(),
        60,
    )
}

fn params(pairs: &[(&str, &str)]) -> AuthorizeParams {
    let mut all: Vec<(String, String)> = [
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid read"),
        ("state", "st-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in pairs {
        all.retain(|(name, _)| name != k);
        all.push(((*k).to_owned(), (*v).to_owned()));
    }
    AuthorizeParams::from_pairs(all)
}

fn refused(r: Result<PushedAuthorizationResponse, PushError>) -> (OAuthErrorCode, String) {
    match r {
        Err(PushError::Invalid { code, description }) => (code, description),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_request_is_stored_under_the_digest_of_a_fresh_request_uri() {
    let stored = Arc::new(Mutex::new(Vec::new()));
    let par = service(None, recording_store(stored.clone()));
    let client = ts::client(false);
    let answer = par.push(&client, params(&[])).await.unwrap();
    assert_eq!(answer.expires_in, 60);
    let random = answer
        .request_uri
        .strip_prefix("urn:ietf:params:oauth:request_uri:")
        .expect("an RFC 9126 urn");
    assert!(random.len() >= 43, "256 random bits: {random}");
    let rows = stored.lock().unwrap().clone();
    let [row] = rows.as_slice() else {
        panic!("one row stored: {rows:?}")
    };
    assert_eq!(
        row.digest,
        TokenDigest::of(random),
        "the digest, never the value"
    );
    assert_eq!(row.client_id, client.id);
    assert_eq!(row.expires_at, UnixTime::from_secs(NOW + 60));
    let mut expected = params(&[("client_id", CLIENT_ID)]);
    expected.origin = ParamsOrigin::Pushed;
    assert_eq!(row.params, expected.pairs());
    // Two pushes, two request_uris.
    let again = par.push(&client, params(&[])).await.unwrap();
    assert_ne!(again.request_uri, answer.request_uri);
    assert_eq!(stored.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn request_uri_in_the_body_and_another_client_id_are_refused_before_storing() {
    let par = service(None, MockPushedRequestRepository::new());
    let client = ts::client(false);
    let (code, _) = refused(
        par.push(
            &client,
            params(&[("request_uri", "urn:ietf:params:oauth:request_uri:x")]),
        )
        .await,
    );
    assert_eq!(code, OAuthErrorCode::InvalidRequest);
    let (code, d) = refused(par.push(&client, params(&[("client_id", "other")])).await);
    assert_eq!(code, OAuthErrorCode::InvalidRequest);
    assert!(d.contains("client_id"), "{d}");
}

#[tokio::test]
async fn the_authorization_endpoints_errors_come_back_as_they_are() {
    let par = service(None, MockPushedRequestRepository::new());
    let client = ts::client(false);
    let cases = [
        (params(&[("scope", "admin")]), OAuthErrorCode::InvalidScope),
        (
            params(&[("response_type", "token")]),
            OAuthErrorCode::UnsupportedResponseType,
        ),
        (
            params(&[("code_challenge_method", "plain")]),
            OAuthErrorCode::InvalidRequest,
        ),
        (
            params(&[("redirect_uri", "https://evil.example/cb")]),
            OAuthErrorCode::InvalidRequest,
        ),
        (
            params(&[("request", "a.b.c")]),
            OAuthErrorCode::InvalidRequestObject,
        ),
    ];
    for (p, expected) in cases {
        let (code, description) = refused(par.push(&client, p.clone()).await);
        assert_eq!(code, expected, "{p:?}: {description}");
        assert!(!description.is_empty());
    }
}

fn verifier_answering(claims: serde_json::Value) -> MockClientJwtVerifier {
    let mut v = MockClientJwtVerifier::new();
    v.expect_verify().returning(move |_, _, _, _| {
        Ok(VerifiedClientJwt {
            claims: claims.as_object().cloned().unwrap_or_default(),
            alg: "PS256".into(),
            kid: None,
        })
    });
    v
}

const JWT: &str = "eyJhbGciOiJQUzI1NiJ9.e30.c2ln";

#[tokio::test]
async fn a_pushed_request_object_is_stored_as_its_parameters_only() {
    let claims = json!({
        "iss": CLIENT_ID, "aud": ISS, "exp": NOW + 60, "client_id": CLIENT_ID,
        "response_type": "code", "redirect_uri": REDIRECT, "scope": "openid",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256", "state": "inside",
    });
    let stored = Arc::new(Mutex::new(Vec::new()));
    let par = service(
        Some(verifier_answering(claims)),
        recording_store(stored.clone()),
    );
    let body = AuthorizeParams::from_pairs([
        ("client_id".to_owned(), CLIENT_ID.to_owned()),
        ("request".to_owned(), JWT.to_owned()),
        ("state".to_owned(), "outside".to_owned()),
        ("scope".to_owned(), "openid read".to_owned()),
    ]);
    par.push(&ts::client(false), body).await.unwrap();
    let stored = stored.lock().unwrap();
    let params = &stored.first().expect("stored").params;
    let get = |k: &str| {
        params
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("state"), Some("inside"));
    assert_eq!(get("scope"), Some("openid"));
    assert_eq!(get("request"), None);
    assert_eq!(get("client_id"), Some(CLIENT_ID));
}

#[tokio::test]
async fn a_bad_pushed_request_object_is_invalid_request_object() {
    for claims in [
        json!({"iss": CLIENT_ID, "aud": "https://other.example", "exp": NOW + 60}),
        json!({"iss": CLIENT_ID, "aud": ISS, "exp": NOW - 1}),
        json!({"iss": "someone", "aud": ISS, "exp": NOW + 60}),
    ] {
        let par = service(
            Some(verifier_answering(claims.clone())),
            MockPushedRequestRepository::new(),
        );
        let body = AuthorizeParams::from_pairs([("request".to_owned(), JWT.to_owned())]);
        let (code, d) = refused(par.push(&ts::client(false), body).await);
        assert_eq!(code, OAuthErrorCode::InvalidRequestObject, "{claims}: {d}");
    }
    let mut unknown_key = MockClientJwtVerifier::new();
    unknown_key
        .expect_verify()
        .returning(|_, _, _, _| Err(crate::ports::ClientJwtError::UnknownKey));
    let par = service(Some(unknown_key), MockPushedRequestRepository::new());
    let body = AuthorizeParams::from_pairs([("request".to_owned(), JWT.to_owned())]);
    let (code, _) = refused(par.push(&ts::client(false), body).await);
    assert_eq!(code, OAuthErrorCode::InvalidRequestObject);
}

#[tokio::test]
async fn a_failing_store_is_a_repository_error() {
    let mut store = MockPushedRequestRepository::new();
    store
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let r = service(None, store)
        .push(&ts::client(false), params(&[]))
        .await;
    assert!(matches!(r, Err(PushError::Repository(_))), "{r:?}");
}
