//! Property tests of the client-assertion claim checks (the same properties as the
//! `client_assertion` fuzz target): a good assertion passes with its `jti` and a bounded
//! `keep_until`; `exp` is judged exactly against the leeway and the longest lifetime; a
//! wrong subject or audience is refused; no set of claims panics.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const ISSUER: &str = "https://issuer.test";
const TOKEN_URL: &str = "https://issuer.test/token";

fn verified(claims: Map<String, Value>) -> VerifiedClientJwt {
    VerifiedClientJwt {
        claims,
        alg: "ES256".into(),
        kid: None,
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,10}".prop_map(Value::from),
        Just(Value::from("svc")),
        Just(Value::from(ISSUER)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        proptest::collection::vec(inner, 0..4).prop_map(Value::from)
    })
}

proptest! {
    /// `exp` within (now − leeway, now + lifetime + leeway] passes, keeping the `jti` until
    /// `exp` + leeway; outside it is `Expired` or `TooLong`.
    #[test]
    fn expiry_is_judged_exactly(
        now in -1_000_000_000i64..1_000_000_000,
        offset in -100i64..500,
        jti in "[ -~]{1,256}",
        aud in prop_oneof![Just(ISSUER.to_owned()), Just(format!("{ISSUER}/")), Just(TOKEN_URL.to_owned())],
    ) {
        let claims = object(json!({"iss": "svc", "sub": "svc", "aud": aud, "exp": now + offset, "jti": jti}));
        let result = check_claims(&verified(claims), "svc", ISSUER, TOKEN_URL, UnixTime::from_secs(now));
        if offset + ASSERTION_LEEWAY_SECS <= 0 {
            prop_assert_eq!(result, Err(AssertionClaimError::Expired));
        } else if offset > MAX_ASSERTION_LIFETIME_SECS + ASSERTION_LEEWAY_SECS {
            prop_assert_eq!(result, Err(AssertionClaimError::TooLong));
        } else {
            prop_assert_eq!(result, Ok(CheckedAssertion {
                jti,
                keep_until: UnixTime::from_secs(now + offset + ASSERTION_LEEWAY_SECS),
            }));
        }
    }

    /// `iss` and `sub` must both be the client; the audience must be the issuer (with or
    /// without a trailing slash) or the endpoint, alone or in a list.
    #[test]
    fn subject_and_audience_are_required(
        iss in prop_oneof![Just("svc".to_owned()), "[a-z]{1,5}"],
        sub in prop_oneof![Just("svc".to_owned()), "[a-z]{1,5}"],
        aud in prop_oneof![Just(ISSUER.to_owned()), Just(TOKEN_URL.to_owned()), "https://[a-z]{1,8}\\.test"],
        in_list in any::<bool>(),
    ) {
        let aud_value = if in_list { json!(["https://other.test", aud]) } else { json!(aud) };
        let claims = object(json!({"iss": iss, "sub": sub, "aud": aud_value, "exp": 1_060, "jti": "j"}));
        let result = check_claims(&verified(claims), "svc", ISSUER, TOKEN_URL, UnixTime::from_secs(1_000));
        if iss != "svc" || sub != "svc" {
            prop_assert_eq!(result, Err(AssertionClaimError::Subject));
        } else if aud != ISSUER && aud != TOKEN_URL {
            prop_assert_eq!(result, Err(AssertionClaimError::Audience));
        } else {
            prop_assert!(result.is_ok());
        }
    }

    /// Any claims, any clock: no panic, and what passes names the client, carries a `jti` of
    /// at most 256 bytes and keeps it no longer than the longest lifetime plus twice the leeway.
    #[test]
    fn no_claims_panic(
        members in proptest::collection::btree_map(
            prop_oneof![Just("iss"), Just("sub"), Just("aud"), Just("exp"), Just("iat"), Just("nbf"), Just("jti")],
            json_value(),
            0..7,
        ),
        now in prop_oneof![any::<i64>(), Just(i64::MAX), Just(i64::MIN), Just(0)],
    ) {
        let claims: Map<String, Value> = members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let checked = check_claims(&verified(claims.clone()), "svc", ISSUER, TOKEN_URL, UnixTime::from_secs(now));
        if let Ok(checked) = checked {
            prop_assert_eq!(claims.get("iss").and_then(Value::as_str), Some("svc"));
            prop_assert_eq!(claims.get("sub").and_then(Value::as_str), Some("svc"));
            prop_assert!(!checked.jti.is_empty() && checked.jti.len() <= MAX_JTI_LEN);
            prop_assert!(checked.keep_until.as_secs() > now);
            prop_assert!(checked.keep_until.as_secs()
                <= now.saturating_add(MAX_ASSERTION_LIFETIME_SECS + 2 * ASSERTION_LEEWAY_SECS));
        }
    }
}
