use super::*;
use crate::ports::{MockClientJwtVerifier, MockReplayCache, VerifiedClientJwt};
use crate::services::test_support::{self as ts, CLIENT_ID, ISS};
use serde_json::json;

const NOW: i64 = 10_000;

/// A compact JWS whose header is `header` (the rest is never looked at here: the verifier is
/// a mock).
fn jwt_with_header(header: Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}.e30.sig", b64.encode(header.to_string()))
}

fn typed_jwt() -> String {
    jwt_with_header(json!({"alg": "ES256", "typ": "oauth-authz-req+jwt", "kid": "k1"}))
}

/// The claims of a good request object for the test client.
fn good_claims() -> Value {
    json!({
        "iss": CLIENT_ID,
        "aud": ISS,
        "exp": NOW + 60,
        "nbf": NOW,
        "iat": NOW,
        "jti": "jti-1",
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": ts::REDIRECT,
        "scope": "openid read",
        "state": "st-1",
        "code_challenge": ts::CHALLENGE,
        "code_challenge_method": "S256",
        "max_age": 300,
        "resource": ["https://api.example/a", "https://api.example/b"],
        "claims": {"id_token": {"email": null}},
    })
}

/// A verifier that answers `claims` for any token and records nothing.
fn verifier_answering(claims: Value) -> MockClientJwtVerifier {
    let mut v = MockClientJwtVerifier::new();
    v.expect_verify().returning(move |_, _, _, _| {
        Ok(VerifiedClientJwt {
            claims: claims.as_object().cloned().unwrap_or_default(),
            alg: "ES256".into(),
            kid: Some("k1".into()),
        })
    });
    v
}

fn objects(verifier: MockClientJwtVerifier, profile: SecurityProfile) -> RequestObjects {
    RequestObjects::new(Arc::new(verifier), ts::clock_at(NOW), ISS, profile, 10)
}

async fn parameters_of(claims: Value) -> Result<AuthorizeParams, RequestObjectError> {
    objects(verifier_answering(claims), SecurityProfile::Standard)
        .parameters(&ts::client(false), &typed_jwt())
        .await
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    if let Some(m) = claims.as_object_mut() {
        m.remove(key);
    }
    claims
}

#[tokio::test]
async fn a_good_object_gives_its_parameters_and_only_them() {
    let p = parameters_of(good_claims()).await.unwrap();
    assert_eq!(p.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(p.redirect_uri.as_deref(), Some(ts::REDIRECT));
    assert_eq!(p.scope.as_deref(), Some("openid read"));
    assert_eq!(p.max_age.as_deref(), Some("300"), "numbers as text");
    assert_eq!(
        p.resources,
        vec!["https://api.example/a", "https://api.example/b"]
    );
    assert_eq!(
        p.other.get("claims").map(String::as_str),
        Some(r#"{"id_token":{"email":null}}"#)
    );
    for jwt_claim in JWT_CLAIMS {
        assert!(
            !p.other.contains_key(jwt_claim),
            "{jwt_claim} is no parameter"
        );
    }
    assert_eq!(p.origin, super::super::ParamsOrigin::FrontChannel);
}

#[tokio::test]
async fn the_verifier_gets_the_allow_list_and_the_typ_only_when_the_header_has_one() {
    for (header, expected_typ) in [
        (
            json!({"alg": "PS256", "typ": "JWT"}),
            Some(REQUEST_OBJECT_TYP),
        ),
        (json!({"alg": "PS256"}), None),
    ] {
        let mut v = MockClientJwtVerifier::new();
        v.expect_verify()
            .withf(move |client, _, algs, typ| {
                client.id.as_str() == CLIENT_ID
                    && algs == REQUEST_OBJECT_ALGS
                    && *typ == expected_typ
            })
            .times(1)
            .returning(|_, _, _, _| Err(ClientJwtError::Type));
        let r = objects(v, SecurityProfile::Standard)
            .parameters(&ts::client(false), &jwt_with_header(header))
            .await;
        assert!(matches!(
            r,
            Err(RequestObjectError::Signature(ClientJwtError::Type))
        ));
    }
}

#[tokio::test]
async fn fapi2_allows_no_rs256_whether_the_server_or_the_client_asks_for_it() {
    let mut fapi_client = ts::client(false);
    fapi_client.security.profile = SecurityProfile::Fapi2;
    let standard = objects(MockClientJwtVerifier::new(), SecurityProfile::Standard);
    assert_eq!(
        standard.allowed_algs(&ts::client(false)),
        REQUEST_OBJECT_ALGS
    );
    assert_eq!(
        standard.allowed_algs(&fapi_client),
        FAPI2_REQUEST_OBJECT_ALGS
    );
    let fapi = objects(MockClientJwtVerifier::new(), SecurityProfile::Fapi2);
    assert_eq!(
        fapi.allowed_algs(&ts::client(false)),
        FAPI2_REQUEST_OBJECT_ALGS
    );
    assert!(!FAPI2_REQUEST_OBJECT_ALGS.contains(&"RS256"));
}

#[tokio::test]
async fn signature_failures_are_refused() {
    for e in [
        ClientJwtError::UnknownKey,
        ClientJwtError::Signature,
        ClientJwtError::Algorithm("none".into()),
        ClientJwtError::KeysUnavailable("down".into()),
    ] {
        let mut v = MockClientJwtVerifier::new();
        let answer = e.clone();
        v.expect_verify()
            .returning(move |_, _, _, _| Err(answer.clone()));
        let r = objects(v, SecurityProfile::Standard)
            .parameters(&ts::client(false), &typed_jwt())
            .await;
        assert!(
            matches!(&r, Err(RequestObjectError::Signature(got)) if *got == e),
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn a_token_that_is_no_jws_is_malformed_before_any_verification() {
    for jwt in ["", "not base64!.x.y", "e30", "WzFd.e30.sig"] {
        let r = objects(MockClientJwtVerifier::new(), SecurityProfile::Standard)
            .parameters(&ts::client(false), jwt)
            .await;
        assert!(
            matches!(
                r,
                Err(RequestObjectError::Signature(ClientJwtError::Malformed))
            ),
            "{jwt}: {r:?}"
        );
    }
}

#[tokio::test]
async fn wrong_claims_are_refused() {
    let cases = [
        ("iss of another", with(good_claims(), "iss", json!("other"))),
        ("no iss", without(good_claims(), "iss")),
        (
            "aud of another",
            with(good_claims(), "aud", json!("https://elsewhere.example")),
        ),
        (
            "aud list without us",
            with(good_claims(), "aud", json!(["https://elsewhere.example"])),
        ),
        ("no aud", without(good_claims(), "aud")),
        ("no exp", without(good_claims(), "exp")),
        (
            "expired beyond the skew",
            with(good_claims(), "exp", json!(NOW - 10)),
        ),
        (
            "exp not a number",
            with(good_claims(), "exp", json!("soon")),
        ),
        (
            "nbf in the future beyond the skew",
            with(good_claims(), "nbf", json!(NOW + 11)),
        ),
        ("nbf not a number", with(good_claims(), "nbf", json!("now"))),
        (
            "client_id of another",
            with(good_claims(), "client_id", json!("other")),
        ),
        (
            "request inside",
            with(good_claims(), "request", json!("x.y.z")),
        ),
        (
            "request_uri inside",
            with(
                good_claims(),
                "request_uri",
                json!("https://evil.example/r"),
            ),
        ),
    ];
    for (what, claims) in cases {
        let r = parameters_of(claims).await;
        assert!(
            matches!(r, Err(RequestObjectError::Claims(_))),
            "{what}: {r:?}"
        );
    }
}

#[tokio::test]
async fn claims_within_the_skew_and_an_audience_list_pass() {
    let claims = with(
        with(good_claims(), "exp", json!(NOW - 9)),
        "aud",
        json!(["https://elsewhere.example", ISS]),
    );
    let claims = with(without(claims, "client_id"), "nbf", json!(NOW + 10));
    let p = parameters_of(claims).await.unwrap();
    assert_eq!(
        p.client_id.as_deref(),
        Some(CLIENT_ID),
        "set from the client"
    );
}

#[tokio::test]
async fn a_jti_is_used_once_until_exp_plus_the_skew() {
    let mut replay = MockReplayCache::new();
    replay
        .expect_first_use()
        .withf(|kind, issuer, jti, until, now| {
            *kind == ReplayKind::RequestObject
                && issuer == CLIENT_ID
                && jti == "jti-1"
                && until.as_secs() == NOW + 70
                && now.as_secs() == NOW
        })
        .times(2)
        .returning({
            let mut first = true;
            move |_, _, _, _, _| Ok(std::mem::replace(&mut first, false))
        });
    let objects = objects(verifier_answering(good_claims()), SecurityProfile::Standard)
        .with_replay_cache(Arc::new(replay));
    let client = ts::client(false);
    assert!(objects.parameters(&client, &typed_jwt()).await.is_ok());
    assert!(matches!(
        objects.parameters(&client, &typed_jwt()).await,
        Err(RequestObjectError::Replayed)
    ));
}

#[tokio::test]
async fn a_failing_replay_store_is_a_repository_error() {
    let mut replay = MockReplayCache::new();
    replay
        .expect_first_use()
        .returning(|_, _, _, _, _| Err(RepositoryError::Unavailable));
    let r = objects(verifier_answering(good_claims()), SecurityProfile::Standard)
        .with_replay_cache(Arc::new(replay))
        .parameters(&ts::client(false), &typed_jwt())
        .await;
    assert!(matches!(r, Err(RequestObjectError::Repository(_))), "{r:?}");
}
