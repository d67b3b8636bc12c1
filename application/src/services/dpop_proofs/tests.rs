use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{MockDpopNonces, MockDpopProofVerifier, MockReplayCache, VerifiedDpopProof};
use crate::services::test_support::{client, clock_at};
use tessera_domain::{DpopProofClaims, UnixTime};

const NOW: i64 = 10_000;
const TOKEN_URI: &str = "https://id.example/token";

fn claims() -> DpopProofClaims {
    DpopProofClaims {
        jti: "jti-1".into(),
        htm: "POST".into(),
        htu: TOKEN_URI.into(),
        iat: NOW,
        ath: None,
        nonce: None,
    }
}

fn verifier(claims: DpopProofClaims) -> MockDpopProofVerifier {
    let mut v = MockDpopProofVerifier::new();
    v.expect_verify().returning(move |_, _| {
        Ok(VerifiedDpopProof {
            jkt: "thumb".into(),
            claims: claims.clone(),
        })
    });
    v
}

fn nonces() -> MockDpopNonces {
    let mut n = MockDpopNonces::new();
    n.expect_current().return_const("n-now".to_owned());
    n.expect_accepts().returning(|n, _| n == "n-now");
    n
}

fn service(v: MockDpopProofVerifier, settings: DpopSettings) -> DpopProofs {
    DpopProofs::new(
        Arc::new(v),
        Arc::new(nonces()),
        Arc::new(InMemoryStore::new()),
        clock_at(NOW),
        settings,
    )
}

fn target() -> ProofTarget<'static> {
    ProofTarget {
        method: "POST",
        uri: TOKEN_URI,
        access_token: None,
    }
}

#[tokio::test]
async fn a_good_proof_gives_its_thumbprint_once() {
    let s = service(verifier(claims()), DpopSettings::default());
    let jkt = s.check("p", &target(), SecurityProfile::Standard).await;
    assert_eq!(jkt.ok().as_deref(), Some("thumb"));
    let again = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(again, Err(DpopError::Replayed)));
    assert_eq!(
        again.err().map(|e| e.code()),
        Some(OAuthErrorCode::InvalidDpopProof)
    );
}

#[tokio::test]
async fn a_jws_refusal_is_invalid_dpop_proof() {
    let mut v = MockDpopProofVerifier::new();
    v.expect_verify()
        .returning(|_, _| Err(DpopProofError::Algorithm("HS256".into())));
    let s = service(v, DpopSettings::default());
    let e = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(
        e,
        Err(DpopError::Jws(DpopProofError::Algorithm(_)))
    ));
}

#[tokio::test]
async fn claims_that_do_not_fit_are_refused_before_the_jti_is_spent() {
    let wrong = DpopProofClaims {
        htu: "https://id.example/other".into(),
        ..claims()
    };
    let mut replay = MockReplayCache::new();
    replay.expect_first_use().never();
    let s = DpopProofs::new(
        Arc::new(verifier(wrong)),
        Arc::new(nonces()),
        Arc::new(replay),
        clock_at(NOW),
        DpopSettings::default(),
    );
    let e = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(e, Err(DpopError::Claims(DpopRuleError::Uri))));
}

#[tokio::test]
async fn the_algorithm_list_follows_the_stricter_profile() {
    let mut v = MockDpopProofVerifier::new();
    v.expect_verify()
        .withf(|_, allowed| !allowed.contains(&"RS256") && allowed.contains(&"ES256"))
        .returning(|_, _| Err(DpopProofError::Signature));
    let s = service(v, DpopSettings::default());
    let e = s.check("p", &target(), SecurityProfile::Fapi2).await;
    assert!(matches!(e, Err(DpopError::Jws(DpopProofError::Signature))));
    assert!(s.algorithms().contains(&"RS256"));
}

#[tokio::test]
async fn with_nonces_on_a_proof_without_or_with_a_stale_nonce_must_retry() {
    let settings = DpopSettings {
        nonce_required: true,
        ..DpopSettings::default()
    };
    let s = service(verifier(claims()), settings);
    let e = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(e, Err(DpopError::UseNonce)));
    assert_eq!(
        e.err().map(|e| e.code()),
        Some(OAuthErrorCode::UseDpopNonce)
    );
    let stale = DpopProofClaims {
        nonce: Some("n-old".into()),
        ..claims()
    };
    let s = service(verifier(stale), settings);
    let e = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(e, Err(DpopError::UseNonce)));
    assert_eq!(s.nonce().as_deref(), Some("n-now"));
}

#[tokio::test]
async fn with_nonces_on_the_current_nonce_passes() {
    let settings = DpopSettings {
        nonce_required: true,
        ..DpopSettings::default()
    };
    let fresh = DpopProofClaims {
        nonce: Some("n-now".into()),
        ..claims()
    };
    let s = service(verifier(fresh), settings);
    assert!(s
        .check("p", &target(), SecurityProfile::Standard)
        .await
        .is_ok());
}

#[tokio::test]
async fn without_nonces_configured_none_is_handed_out() {
    let s = service(verifier(claims()), DpopSettings::default());
    assert_eq!(s.nonce(), None);
}

#[tokio::test]
async fn the_jti_is_remembered_for_the_iat_window_under_the_key() {
    let mut replay = MockReplayCache::new();
    replay
        .expect_first_use()
        .withf(|kind, issuer, jti, until, now| {
            *kind == crate::ports::ReplayKind::DpopProof
                && issuer == "thumb"
                && jti == "jti-1"
                && *until == UnixTime::from_secs(NOW + 60)
                && *now == UnixTime::from_secs(NOW)
        })
        .returning(|_, _, _, _, _| Err(RepositoryError::Unavailable));
    let s = DpopProofs::new(
        Arc::new(verifier(claims())),
        Arc::new(nonces()),
        Arc::new(replay),
        clock_at(NOW),
        DpopSettings::default(),
    );
    let e = s.check("p", &target(), SecurityProfile::Standard).await;
    assert!(matches!(e, Err(DpopError::Repository(_))));
    assert_eq!(
        e.err().map(|e| e.code()),
        Some(OAuthErrorCode::TemporarilyUnavailable)
    );
}

#[test]
fn required_follows_the_client_and_the_server_profile() {
    let plain = client(true);
    let s = service(MockDpopProofVerifier::new(), DpopSettings::default());
    assert!(!s.required_for(&plain));
    let mut flagged = client(true);
    flagged.security.require_dpop = true;
    assert!(s.required_for(&flagged));
    let fapi = service(
        MockDpopProofVerifier::new(),
        DpopSettings {
            profile: SecurityProfile::Fapi2,
            ..DpopSettings::default()
        },
    );
    assert!(fapi.required_for(&plain));
    assert!(!fapi.algorithms().contains(&"RS256"));
}
