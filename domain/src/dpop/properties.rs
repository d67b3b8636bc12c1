//! Property tests of the DPoP claim rules (the same properties as the `dpop_proof` fuzz
//! target): `htu` matching is reflexive for URLs, symmetric, and blind to query, fragment and
//! the case of scheme and host but not of the path; `iat` is accepted exactly within the
//! window; `ath` must be the presented token's hash; thumbprints ignore members outside the
//! required set and refuse private ones; nothing panics.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// An absolute http(s) URL with a path.
fn url() -> impl Strategy<Value = String> {
    (
        "https?",
        "[a-z][a-z0-9.-]{0,12}(:[0-9]{1,5})?",
        "(/[a-zA-Z0-9._~-]{0,8}){0,3}",
    )
        .prop_map(|(scheme, host, path)| format!("{scheme}://{host}{path}"))
}

fn claims(htm: &str, htu: &str, iat: i64, ath: Option<String>) -> DpopProofClaims {
    DpopProofClaims {
        jti: "j-1".into(),
        htm: htm.into(),
        htu: htu.into(),
        iat,
        ath,
        nonce: None,
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

proptest! {
    /// A URL matches itself, with any query or fragment added, and with its scheme and host
    /// in another case; matching is symmetric.
    #[test]
    fn htu_ignores_query_fragment_and_authority_case(
        u in url(),
        query in "[?#][a-z=&]{0,10}",
        other in any::<String>(),
    ) {
        prop_assert!(htu_matches(&u, &u));
        let with_query = format!("{u}{query}");
        prop_assert!(htu_matches(&with_query, &u));
        let (scheme_host, path) = match u.find("://").and_then(|i| u[i + 3..].find('/').map(|j| i + 3 + j)) {
            Some(i) => u.split_at(i),
            None => (u.as_str(), ""),
        };
        let shouted = format!("{}{path}", scheme_host.to_ascii_uppercase());
        prop_assert!(htu_matches(&shouted, &u));
        prop_assert_eq!(htu_matches(&u, &other), htu_matches(&other, &u));
    }

    /// A different path never matches: the path compares exactly.
    #[test]
    fn htu_path_is_exact(u in url(), extra in "[a-zA-Z0-9]{1,4}") {
        let longer = format!("{u}{extra}");
        prop_assert!(!htu_matches(&longer, &u));
    }

    /// `iat` passes exactly when it lies within `window` seconds of now.
    #[test]
    fn iat_window_is_exact(now in -1_000_000i64..1_000_000, offset in -200i64..200, window in 0i64..120) {
        let c = claims("POST", "https://as.example/token", now + offset, None);
        let target = ProofTarget { method: "POST", uri: "https://as.example/token", access_token: None };
        let result = c.check(&target, UnixTime::from_secs(now), window);
        if offset.abs() <= window {
            prop_assert_eq!(result, Ok(()));
            prop_assert_eq!(c.remember_until(window), UnixTime::from_secs(now + offset + window));
        } else {
            prop_assert_eq!(result, Err(DpopRuleError::Iat));
        }
    }

    /// With a token presented, only that token's hash as `ath` passes.
    #[test]
    fn ath_must_be_the_tokens_hash(token in "[ -~]{1,40}", other in "[ -~]{1,40}") {
        let target = ProofTarget { method: "GET", uri: "https://rs.example/", access_token: Some(&token) };
        let now = UnixTime::from_secs(1_000);
        let good = claims("GET", "https://rs.example/", 1_000, Some(access_token_hash(&token)));
        prop_assert_eq!(good.check(&target, now, 60), Ok(()));
        let missing = claims("GET", "https://rs.example/", 1_000, None);
        prop_assert_eq!(missing.check(&target, now, 60), Err(DpopRuleError::Ath));
        prop_assume!(other != token);
        let wrong = claims("GET", "https://rs.example/", 1_000, Some(access_token_hash(&other)));
        prop_assert_eq!(wrong.check(&target, now, 60), Err(DpopRuleError::Ath));
    }

    /// The thumbprint depends on the required members only, and private members are refused.
    #[test]
    fn thumbprints_use_required_members_only(
        x in "[A-Za-z0-9_-]{1,43}",
        y in "[A-Za-z0-9_-]{1,43}",
        extra in "[a-z]{3,6}",
        private in proptest::sample::select(PRIVATE_JWK_MEMBERS.to_vec()),
    ) {
        let key = object(json!({"kty": "EC", "crv": "P-256", "x": x, "y": y}));
        let mut decorated = key.clone();
        decorated.insert(extra, json!("ignored"));
        decorated.insert("kid".into(), json!("k1"));
        prop_assert!(jwk_thumbprint(&key).is_ok());
        prop_assert_eq!(jwk_thumbprint(&key), jwk_thumbprint(&decorated));
        let mut secret = key.clone();
        secret.insert(private.to_owned(), json!("AQAB"));
        prop_assert_eq!(jwk_thumbprint(&secret), Err(ThumbprintError::Private));
    }

    /// Neither the rules nor the thumbprint panic, whatever the values.
    #[test]
    fn nothing_panics(
        jti in ".{0,300}", htm in ".{0,8}", htu in ".{0,40}", iat in any::<i64>(),
        ath in proptest::option::of(".{0,50}"), now in any::<i64>(), window in any::<i64>(),
        kty in ".{0,5}", member in ".{0,5}",
    ) {
        let c = DpopProofClaims { jti, htm, htu: htu.clone(), iat, ath, nonce: None };
        for access_token in [None, Some("at")] {
            let target = ProofTarget { method: "POST", uri: &htu, access_token };
            let _ = c.check(&target, UnixTime::from_secs(now), window);
        }
        let _ = c.remember_until(window);
        let _ = jwk_thumbprint(&object(json!({"kty": kty, member: 1})));
    }
}
