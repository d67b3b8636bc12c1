use super::*;
use serde_json::json;

const ISSUER: &str = "https://issuer.test";
const TOKEN_URL: &str = "https://issuer.test/token";
const NOW: i64 = 1_000_000;

fn verified(claims: Value) -> VerifiedClientJwt {
    VerifiedClientJwt {
        claims: claims.as_object().unwrap().clone(),
        alg: "ES256".into(),
        kid: None,
    }
}

fn good() -> Value {
    json!({"iss": "svc", "sub": "svc", "aud": ISSUER, "exp": NOW + 60, "iat": NOW, "jti": "j1"})
}

fn check(claims: Value) -> Result<CheckedAssertion, AssertionClaimError> {
    check_claims(
        &verified(claims),
        "svc",
        ISSUER,
        TOKEN_URL,
        UnixTime::from_secs(NOW),
    )
}

fn with(member: &str, value: Value) -> Value {
    let mut c = good();
    c[member] = value;
    c
}

fn without(member: &str) -> Value {
    let mut c = good();
    c.as_object_mut().unwrap().remove(member);
    c
}

#[test]
fn a_good_assertion_passes_and_is_kept_until_exp_plus_leeway() {
    assert_eq!(
        check(good()),
        Ok(CheckedAssertion {
            jti: "j1".into(),
            keep_until: UnixTime::from_secs(NOW + 60 + ASSERTION_LEEWAY_SECS),
        })
    );
}

#[test]
fn iss_and_sub_must_both_be_the_client() {
    for c in [
        with("iss", json!("other")),
        with("sub", json!("other")),
        with("iss", json!(["svc"])),
        without("iss"),
        without("sub"),
    ] {
        assert_eq!(check(c.clone()), Err(AssertionClaimError::Subject), "{c}");
    }
}

#[test]
fn aud_may_be_the_issuer_or_the_endpoint_in_a_string_or_a_list() {
    for aud in [
        json!(ISSUER),
        json!("https://issuer.test/"),
        json!(TOKEN_URL),
        json!(["https://elsewhere.test", TOKEN_URL]),
        json!([ISSUER]),
    ] {
        assert!(check(with("aud", aud.clone())).is_ok(), "{aud}");
    }
    for aud in [
        json!("https://elsewhere.test"),
        json!("https://issuer.test/introspect"),
        json!("https://issuer.test/token/"),
        json!([]),
        json!(["https://elsewhere.test"]),
        json!(1),
        json!(null),
    ] {
        assert_eq!(
            check(with("aud", aud.clone())),
            Err(AssertionClaimError::Audience),
            "{aud}"
        );
    }
    assert_eq!(check(without("aud")), Err(AssertionClaimError::Audience));
}

#[test]
fn exp_is_required_in_the_future_and_at_most_five_minutes_ahead() {
    assert_eq!(
        check(without("exp")),
        Err(AssertionClaimError::MissingExpiry)
    );
    assert_eq!(
        check(with("exp", json!("soon"))),
        Err(AssertionClaimError::MissingExpiry)
    );
    // Within the leeway of the past is still accepted; beyond it, expired.
    assert!(check(with("exp", json!(NOW - ASSERTION_LEEWAY_SECS + 1))).is_ok());
    assert_eq!(
        check(with("exp", json!(NOW - ASSERTION_LEEWAY_SECS))),
        Err(AssertionClaimError::Expired)
    );
    assert_eq!(
        check(with("exp", json!(NOW - 3600))),
        Err(AssertionClaimError::Expired)
    );
    let limit = NOW + MAX_ASSERTION_LIFETIME_SECS + ASSERTION_LEEWAY_SECS;
    assert!(check(with("exp", json!(limit))).is_ok());
    assert!(check(with("exp", json!(limit as f64 - 0.5))).is_ok());
    assert_eq!(
        check(with("exp", json!(limit + 1))),
        Err(AssertionClaimError::TooLong)
    );
    assert_eq!(
        check(with("exp", json!(NOW + 3600))),
        Err(AssertionClaimError::TooLong)
    );
}

#[test]
fn iat_and_nbf_may_not_be_in_the_future() {
    for name in ["iat", "nbf"] {
        assert!(check(with(name, json!(NOW + ASSERTION_LEEWAY_SECS))).is_ok());
        assert!(check(without(name)).is_ok());
        for bad in [
            json!(NOW + ASSERTION_LEEWAY_SECS + 1),
            json!("now"),
            json!(null),
        ] {
            assert_eq!(
                check(with(name, bad.clone())),
                Err(AssertionClaimError::NotYetValid),
                "{name} {bad}"
            );
        }
    }
}

#[test]
fn jti_is_required() {
    for c in [
        without("jti"),
        with("jti", json!("")),
        with("jti", json!(7)),
        with("jti", json!("x".repeat(257))),
    ] {
        assert_eq!(check(c), Err(AssertionClaimError::MissingJti));
    }
}

#[test]
fn the_allow_list_follows_the_profile_and_the_method() {
    use SecurityProfile::{Fapi2, Standard};
    use TokenEndpointAuthMethod::{ClientSecretBasic, ClientSecretJwt, PrivateKeyJwt};
    assert_eq!(
        assertion_algorithms(Standard, PrivateKeyJwt),
        ["RS256", "PS256", "ES256", "EdDSA"]
    );
    assert_eq!(
        assertion_algorithms(Fapi2, PrivateKeyJwt),
        ["PS256", "ES256", "EdDSA"]
    );
    assert_eq!(assertion_algorithms(Standard, ClientSecretJwt), ["HS256"]);
    assert!(assertion_algorithms(Fapi2, ClientSecretJwt).is_empty());
    assert!(assertion_algorithms(Standard, ClientSecretBasic).is_empty());
    for profile in [Standard, Fapi2] {
        for method in [PrivateKeyJwt, ClientSecretJwt] {
            assert!(!assertion_algorithms(profile, method).contains(&"none"));
        }
    }
    assert_eq!(
        advertised_assertion_algorithms(Standard),
        ["RS256", "PS256", "ES256", "EdDSA", "HS256"]
    );
    assert_eq!(
        advertised_assertion_algorithms(Fapi2),
        ["PS256", "ES256", "EdDSA"]
    );
}
