//! The JWS header checks every Tessera token passes before a key is touched (adapters
//! `crypto::jws_header`): no token panics; one that passes has exactly three segments, its
//! signing input is `header.payload` of the token itself, its signature is the third segment
//! decoded, its algorithm is on the allow-list, and it carries none of `jwk`, `jku`, `x5u`,
//! `x5c` or `crit`.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use tessera_adapters::crypto::fuzzing::check_jws_header;
use tessera_domain::SigningAlgorithm;
use tessera_fuzz::B64;

fuzz_target!(|data: &[u8]| {
    let token = tessera_fuzz::token(data);
    let Ok(checked) = check_jws_header(&token, "at+jwt") else {
        return;
    };
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3);
    assert_eq!(
        checked.signing_input,
        format!("{}.{}", segments[0], segments[1]).into_bytes()
    );
    assert_eq!(checked.payload, segments[1]);
    assert_eq!(
        B64.decode(segments[2]).ok(),
        Some(checked.signature.clone())
    );
    assert_eq!(
        SigningAlgorithm::parse(checked.alg.as_str()).ok(),
        Some(checked.alg)
    );
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&B64.decode(segments[0]).expect("header decodes"))
            .expect("header is an object");
    for member in ["jwk", "jku", "x5u", "x5c", "crit"] {
        assert!(!header.contains_key(member), "{member} passed");
    }
    assert_eq!(
        header.get("kid").and_then(|k| k.as_str()),
        Some(checked.kid.as_str())
    );
    // The same token with another expected type never passes unless the types agree.
    assert!(check_jws_header(&token, "logout+jwt").is_err());
});
