//! `/userinfo` with DPoP-bound tokens (RFC 9449 §7.1): every pairing of token binding and
//! presentation, the proof's target, and the key match.

use super::tests::{bound_token, userinfo};
use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{MockDpopNonces, MockDpopProofVerifier, VerifiedDpopProof};
use crate::services::test_support::{self as ts, USER_ID};
use crate::services::DpopSettings;
use tessera_domain::{access_token_hash, DpopProofClaims};

const NOW: i64 = 40_000;
const URL: &str = "https://id.example/userinfo";

/// A verifier accepting any proof as key `jkt` with `claims`, or never called.
fn proofs(answer: Option<(&'static str, DpopProofClaims)>) -> Arc<DpopProofs> {
    let mut v = MockDpopProofVerifier::new();
    match answer {
        Some((jkt, claims)) => {
            v.expect_verify().returning(move |_, _| {
                Ok(VerifiedDpopProof {
                    jkt: jkt.into(),
                    claims: claims.clone(),
                })
            });
        }
        None => {
            v.expect_verify().never();
        }
    }
    Arc::new(DpopProofs::new(
        Arc::new(v),
        Arc::new(MockDpopNonces::new()),
        Arc::new(InMemoryStore::new()),
        ts::clock_at(NOW),
        DpopSettings::default(),
    ))
}

fn proof_claims(ath_of: &str) -> DpopProofClaims {
    DpopProofClaims {
        jti: "p1".into(),
        htm: "GET".into(),
        htu: URL.into(),
        iat: NOW,
        ath: Some(access_token_hash(ath_of)),
        nonce: None,
    }
}

fn dpop(proof: Option<&str>) -> PresentedToken<'_> {
    PresentedToken::Dpop {
        token: "t",
        proof,
        method: "GET",
    }
}

fn service(bound: bool, answer: Option<(&'static str, DpopProofClaims)>) -> UserInfo {
    let user = Some(Some(ts::user()));
    let token = if bound {
        bound_token("thumb")
    } else {
        super::tests::plain_token()
    };
    userinfo(token, &[], user).with_dpop(proofs(answer), URL.into())
}

#[tokio::test]
async fn a_bound_token_with_a_proof_of_its_key_is_served() {
    let s = service(true, Some(("thumb", proof_claims("t"))));
    let v = s.claims_presented(dpop(Some("proof"))).await.unwrap();
    assert_eq!(v["sub"], USER_ID);
}

#[tokio::test]
async fn a_bound_token_as_bearer_is_refused_without_looking_at_proofs() {
    let s = service(true, None);
    let r = s.claims_presented(PresentedToken::Bearer("t")).await;
    assert!(matches!(r, Err(UserInfoError::BoundTokenAsBearer)), "{r:?}");
    assert_eq!(
        r.err().map(|e| e.code()),
        Some(OAuthErrorCode::InvalidToken)
    );
}

#[tokio::test]
async fn an_unbound_token_sent_as_dpop_is_invalid() {
    let s = service(false, None);
    let r = s.claims_presented(dpop(Some("proof"))).await;
    assert!(matches!(r, Err(UserInfoError::InvalidToken)), "{r:?}");
}

#[tokio::test]
async fn a_bound_token_without_a_proof_is_invalid_dpop_proof() {
    let s = service(true, None);
    let r = s.claims_presented(dpop(None)).await;
    assert!(
        matches!(r, Err(UserInfoError::Dpop(DpopError::Missing))),
        "{r:?}"
    );
    assert_eq!(
        r.err().map(|e| e.code()),
        Some(OAuthErrorCode::InvalidDpopProof)
    );
}

#[tokio::test]
async fn a_proof_of_another_key_is_refused() {
    let s = service(true, Some(("other", proof_claims("t"))));
    let r = s.claims_presented(dpop(Some("proof"))).await;
    assert!(
        matches!(r, Err(UserInfoError::Dpop(DpopError::WrongKey))),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_proof_for_another_token_is_refused() {
    let s = service(true, Some(("thumb", proof_claims("another token"))));
    let r = s.claims_presented(dpop(Some("proof"))).await;
    assert!(
        matches!(r, Err(UserInfoError::Dpop(DpopError::Claims(_)))),
        "{r:?}"
    );
}

#[tokio::test]
async fn without_dpop_configured_a_bound_token_is_invalid() {
    let s = userinfo(bound_token("thumb"), &[], Some(Some(ts::user())));
    let r = s.claims_presented(dpop(Some("proof"))).await;
    assert!(matches!(r, Err(UserInfoError::InvalidToken)), "{r:?}");
    assert!(s.dpop().is_none());
}
