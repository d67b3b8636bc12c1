use super::*;
use crate::{ClientId, ClientSecurity};
use serde_json::json;

fn claims() -> DpopProofClaims {
    DpopProofClaims {
        jti: "j-1".into(),
        htm: "POST".into(),
        htu: "https://as.example/token".into(),
        iat: 1_000,
        ath: None,
        nonce: None,
    }
}

fn at_token() -> ProofTarget<'static> {
    ProofTarget {
        method: "POST",
        uri: "https://as.example/token",
        access_token: None,
    }
}

fn object(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

#[test]
fn a_fitting_proof_passes() {
    assert_eq!(
        claims().check(&at_token(), UnixTime::from_secs(1_000), 60),
        Ok(())
    );
}

#[test]
fn htm_must_be_the_method_exactly() {
    let c = DpopProofClaims {
        htm: "GET".into(),
        ..claims()
    };
    assert_eq!(
        c.check(&at_token(), UnixTime::from_secs(1_000), 60),
        Err(DpopRuleError::Method)
    );
    let lower = DpopProofClaims {
        htm: "post".into(),
        ..claims()
    };
    assert_eq!(
        lower.check(&at_token(), UnixTime::from_secs(1_000), 60),
        Err(DpopRuleError::Method)
    );
}

#[test]
fn htu_ignores_query_and_fragment_but_not_the_path() {
    assert!(htu_matches(
        "https://as.example/token?x=1#f",
        "https://as.example/token"
    ));
    assert!(htu_matches(
        "HTTPS://AS.example/token",
        "https://as.example/token"
    ));
    assert!(!htu_matches(
        "https://as.example/Token",
        "https://as.example/token"
    ));
    assert!(!htu_matches(
        "https://as.example/token/",
        "https://as.example/token"
    ));
    assert!(!htu_matches(
        "https://other.example/token",
        "https://as.example/token"
    ));
    assert!(!htu_matches("not a url", "https://as.example/token"));
    let c = DpopProofClaims {
        htu: "https://as.example/userinfo".into(),
        ..claims()
    };
    assert_eq!(
        c.check(&at_token(), UnixTime::from_secs(1_000), 60),
        Err(DpopRuleError::Uri)
    );
}

#[test]
fn iat_must_lie_within_the_window_both_ways() {
    let c = claims();
    assert_eq!(c.check(&at_token(), UnixTime::from_secs(1_060), 60), Ok(()));
    assert_eq!(c.check(&at_token(), UnixTime::from_secs(940), 60), Ok(()));
    assert_eq!(
        c.check(&at_token(), UnixTime::from_secs(1_061), 60),
        Err(DpopRuleError::Iat)
    );
    assert_eq!(
        c.check(&at_token(), UnixTime::from_secs(939), 60),
        Err(DpopRuleError::Iat)
    );
    assert_eq!(c.remember_until(60), UnixTime::from_secs(1_060));
}

#[test]
fn jti_must_be_present_and_bounded() {
    for jti in [String::new(), "x".repeat(MAX_JTI_CHARS + 1)] {
        let c = DpopProofClaims { jti, ..claims() };
        assert_eq!(
            c.check(&at_token(), UnixTime::from_secs(1_000), 60),
            Err(DpopRuleError::Jti)
        );
    }
}

#[test]
fn ath_is_required_with_a_token_and_must_be_its_hash() {
    let target = ProofTarget {
        access_token: Some("the-token"),
        ..at_token()
    };
    let now = UnixTime::from_secs(1_000);
    assert_eq!(claims().check(&target, now, 60), Err(DpopRuleError::Ath));
    let wrong = DpopProofClaims {
        ath: Some(access_token_hash("another-token")),
        ..claims()
    };
    assert_eq!(wrong.check(&target, now, 60), Err(DpopRuleError::Ath));
    let right = DpopProofClaims {
        ath: Some(access_token_hash("the-token")),
        ..claims()
    };
    assert_eq!(right.check(&target, now, 60), Ok(()));
}

#[test]
fn ath_is_the_rfc_9449_example_hash() {
    // RFC 9449 §7.1: the access token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU" hashes to
    // this ath.
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn thumbprint_is_the_rfc_7638_example() {
    let jwk = object(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    }));
    assert_eq!(
        jwk_thumbprint(&jwk),
        Ok("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs".to_owned())
    );
}

#[test]
fn thumbprint_of_ec_and_okp_keys_uses_only_required_members() {
    let ec = object(json!({"y": "Y", "x": "X", "kty": "EC", "crv": "P-256", "use": "sig"}));
    let ec_bare = object(json!({"crv": "P-256", "kty": "EC", "x": "X", "y": "Y"}));
    assert_eq!(jwk_thumbprint(&ec), jwk_thumbprint(&ec_bare));
    let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(
        br#"{"crv":"P-256","kty":"EC","x":"X","y":"Y"}"#,
    ));
    assert_eq!(jwk_thumbprint(&ec), Ok(expected));
    let okp = object(json!({"kty": "OKP", "crv": "Ed25519", "x": "X"}));
    let expected =
        URL_SAFE_NO_PAD.encode(Sha256::digest(br#"{"crv":"Ed25519","kty":"OKP","x":"X"}"#));
    assert_eq!(jwk_thumbprint(&okp), Ok(expected));
}

#[test]
fn private_symmetric_and_incomplete_keys_have_no_thumbprint() {
    let private = object(json!({"kty": "EC", "crv": "P-256", "x": "X", "y": "Y", "d": "D"}));
    assert_eq!(jwk_thumbprint(&private), Err(ThumbprintError::Private));
    let oct = object(json!({"kty": "oct", "k": "K"}));
    assert_eq!(jwk_thumbprint(&oct), Err(ThumbprintError::Private));
    let missing = object(json!({"kty": "EC", "crv": "P-256", "x": "X"}));
    assert_eq!(jwk_thumbprint(&missing), Err(ThumbprintError::Unsupported));
    let unknown = object(json!({"kty": "XYZ"}));
    assert_eq!(jwk_thumbprint(&unknown), Err(ThumbprintError::Unsupported));
}

#[test]
fn fapi2_narrows_the_algorithms() {
    assert!(dpop_algorithms(SecurityProfile::Standard).contains(&"RS256"));
    assert!(!dpop_algorithms(SecurityProfile::Fapi2).contains(&"RS256"));
    for alg in ["none", "HS256"] {
        assert!(!dpop_algorithms(SecurityProfile::Standard).contains(&alg));
    }
}

fn client(security: ClientSecurity) -> Client {
    Client {
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        security,
        require_mfa: false,
        id: ClientId::parse("app").unwrap(),
        name: "App".into(),
        secret_digest: None,
        auth_method: crate::TokenEndpointAuthMethod::None,
        grant_types: vec![],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: crate::ScopeSet::parse("openid").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(0),
    }
}

#[test]
fn dpop_is_required_by_the_client_flag_or_either_profile() {
    let plain = client(ClientSecurity::default());
    assert!(!dpop_required(&plain, SecurityProfile::Standard));
    assert!(dpop_required(&plain, SecurityProfile::Fapi2));
    let flagged = client(ClientSecurity {
        require_dpop: true,
        ..ClientSecurity::default()
    });
    assert!(dpop_required(&flagged, SecurityProfile::Standard));
    let fapi = client(ClientSecurity {
        profile: SecurityProfile::Fapi2,
        ..ClientSecurity::default()
    });
    assert!(dpop_required(&fapi, SecurityProfile::Standard));
}

#[test]
fn confirmation_serialises_as_cnf_and_matches_its_thumbprint() {
    let cnf = Confirmation { jkt: "abc".into() };
    assert_eq!(serde_json::to_value(&cnf).ok(), Some(json!({"jkt": "abc"})));
    assert!(cnf.matches("abc"));
    assert!(!cnf.matches("abd"));
}
