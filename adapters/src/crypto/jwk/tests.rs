use super::*;
use serde_json::json;

#[test]
fn private_and_extra_members_are_dropped() {
    let Value::Object(jwk) = json!({
        "kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "x", "p": "x", "q": "x",
        "dp": "x", "dq": "x", "qi": "x", "alg": "RS256", "kid": "k"
    }) else {
        unreachable!()
    };
    let out = public_members(&jwk).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})
    );
}

#[test]
fn incomplete_or_unknown_keys_are_refused() {
    let Value::Object(no_y) = json!({"kty": "EC", "crv": "P-256", "x": "a"}) else {
        unreachable!()
    };
    assert!(public_members(&no_y).is_err());
    let Value::Object(oct) = json!({"kty": "oct", "k": "secret"}) else {
        unreachable!()
    };
    assert!(public_members(&oct).is_err());
}
