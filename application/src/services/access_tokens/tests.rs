use super::*;
use crate::ports::{MockClock, MockJwsEngine, MockRevocationRepository, VerifiedJws};
use tessera_domain::UnixTime;

pub(crate) const ISS: &str = "https://id.example";

pub(crate) fn claims_json(
    exp: i64,
    iat: i64,
    iss: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({
        "iss": iss, "sub": "svc", "aud": ISS, "exp": exp, "iat": iat,
        "jti": "jti-1", "client_id": "svc", "scope": "read"
    });
    v.as_object().unwrap().clone()
}

pub(crate) fn clock_at(t: i64) -> Arc<MockClock> {
    let mut c = MockClock::new();
    c.expect_now().return_const(UnixTime::from_secs(t));
    Arc::new(c)
}

pub(crate) fn engine_returning(r: Result<VerifiedJws, VerifyError>) -> MockJwsEngine {
    let mut jws = MockJwsEngine::new();
    jws.expect_verify()
        .withf(|_, typ, _| typ == ACCESS_TOKEN_TYP)
        .returning(move |_, _, _| r.clone());
    jws
}

fn verifier(jws: MockJwsEngine, revoked: bool, now: i64) -> AccessTokenVerifier {
    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked().returning(move |_| Ok(revoked));
    AccessTokenVerifier::new(
        Arc::new(jws),
        Arc::new(rev),
        clock_at(now),
        IssuerSettings::new(ISS),
    )
}

fn ok(exp: i64, iat: i64, iss: &str) -> Result<VerifiedJws, VerifyError> {
    Ok(VerifiedJws {
        claims: claims_json(exp, iat, iss),
        kid: "k".into(),
    })
}

#[tokio::test]
async fn valid_token_is_active() {
    let v = verifier(engine_returning(ok(200, 100, ISS)), false, 150);
    assert_eq!(v.verify_active("t").await.unwrap().unwrap().jti, "jti-1");
}

#[tokio::test]
async fn revoked_expired_future_foreign_and_unverifiable_tokens_are_not() {
    assert!(verifier(engine_returning(ok(200, 100, ISS)), true, 150)
        .verify_active("t")
        .await
        .unwrap()
        .is_none());
    assert!(verifier(engine_returning(ok(200, 100, ISS)), false, 200)
        .verify_active("t")
        .await
        .unwrap()
        .is_none());
    assert!(verifier(engine_returning(ok(300, 190, ISS)), false, 150)
        .verify_active("t")
        .await
        .unwrap()
        .is_none());
    assert!(
        verifier(engine_returning(ok(200, 100, "https://evil")), false, 150)
            .verify_active("t")
            .await
            .unwrap()
            .is_none()
    );
    for e in [
        VerifyError::Signature,
        VerifyError::Algorithm,
        VerifyError::UnknownKey,
        VerifyError::ForbiddenHeader,
    ] {
        assert!(verifier(engine_returning(Err(e)), false, 150)
            .verify_active("t")
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn payload_without_required_claims_is_refused() {
    let mut claims = claims_json(200, 100, ISS);
    claims.remove("jti");
    let v = verifier(
        engine_returning(Ok(VerifiedJws {
            claims,
            kid: "k".into(),
        })),
        false,
        150,
    );
    assert!(v.verify_signed("t").is_none());
}
