use super::*;
use josekit::jws::{JwsHeader, HS256};
use serde_json::json;

const ALL: [&str; 4] = ["ES256", "PS256", "RS256", "EdDSA"];

fn es256_pair() -> josekit::jwk::alg::ec::EcKeyPair {
    ES256.generate_key_pair().unwrap()
}

fn claims() -> serde_json::Value {
    json!({"jti": "j1", "htm": "POST", "htu": "https://id.example/token", "iat": 1000})
}

fn sign_es256(
    pair: &josekit::jwk::alg::ec::EcKeyPair,
    typ: &str,
    jwk: serde_json::Value,
    payload: serde_json::Value,
) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    header.set_claim("jwk", Some(jwk)).unwrap();
    let signer = ES256.signer_from_jwk(&pair.to_jwk_private_key()).unwrap();
    josekit::jws::serialize_compact(payload.to_string().as_bytes(), &header, &signer).unwrap()
}

fn public_jwk(pair: &josekit::jwk::alg::ec::EcKeyPair) -> serde_json::Value {
    serde_json::Value::Object(pair.to_jwk_public_key().as_ref().clone())
}

#[test]
fn a_well_formed_es256_proof_verifies_with_its_thumbprint() {
    let pair = es256_pair();
    let jwk = public_jwk(&pair);
    let proof = sign_es256(&pair, "dpop+jwt", jwk.clone(), claims());
    let verified = JosekitDpopVerifier.verify(&proof, &ALL).unwrap();
    let expected = jwk_thumbprint(jwk.as_object().unwrap()).unwrap();
    assert_eq!(verified.jkt, expected);
    assert_eq!(verified.claims.jti, "j1");
    assert_eq!(verified.claims.iat, 1000);
}

#[test]
fn the_typ_must_be_dpop_jwt() {
    let pair = es256_pair();
    let proof = sign_es256(&pair, "JWT", public_jwk(&pair), claims());
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &ALL),
        Err(DpopProofError::Type)
    );
}

#[test]
fn an_algorithm_off_the_list_is_refused() {
    let pair = es256_pair();
    let proof = sign_es256(&pair, "dpop+jwt", public_jwk(&pair), claims());
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &["PS256"]),
        Err(DpopProofError::Algorithm("ES256".into()))
    );
}

#[test]
fn hs256_and_none_are_refused() {
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header
        .set_claim("jwk", Some(json!({"kty": "oct", "k": "c2VjcmV0"})))
        .unwrap();
    let signer = HS256
        .signer_from_bytes(b"0123456789abcdef0123456789abcdef")
        .unwrap();
    let proof =
        josekit::jws::serialize_compact(claims().to_string().as_bytes(), &header, &signer).unwrap();
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &ALL),
        Err(DpopProofError::Algorithm("HS256".into()))
    );
    let none_header = B64.encode(br#"{"typ":"dpop+jwt","alg":"none","jwk":{"kty":"EC"}}"#);
    let unsigned = format!("{none_header}.{}.", B64.encode(claims().to_string()));
    assert_eq!(
        JosekitDpopVerifier.verify(&unsigned, &ALL),
        Err(DpopProofError::Algorithm("none".into()))
    );
}

#[test]
fn a_private_jwk_is_refused() {
    let pair = es256_pair();
    let private = serde_json::Value::Object(pair.to_jwk_private_key().as_ref().clone());
    let proof = sign_es256(&pair, "dpop+jwt", private, claims());
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &ALL),
        Err(DpopProofError::Key)
    );
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let pair = es256_pair();
    let other = es256_pair();
    let proof = sign_es256(&pair, "dpop+jwt", public_jwk(&other), claims());
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &ALL),
        Err(DpopProofError::Signature)
    );
}

#[test]
fn missing_jwk_or_claims_and_garbage_are_refused() {
    let pair = es256_pair();
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    let signer = ES256.signer_from_jwk(&pair.to_jwk_private_key()).unwrap();
    let no_jwk =
        josekit::jws::serialize_compact(claims().to_string().as_bytes(), &header, &signer).unwrap();
    assert_eq!(
        JosekitDpopVerifier.verify(&no_jwk, &ALL),
        Err(DpopProofError::Key)
    );
    let no_iat = sign_es256(&pair, "dpop+jwt", public_jwk(&pair), json!({"jti": "j"}));
    assert_eq!(
        JosekitDpopVerifier.verify(&no_iat, &ALL),
        Err(DpopProofError::Malformed)
    );
    assert_eq!(
        JosekitDpopVerifier.verify("not-a-jwt", &ALL),
        Err(DpopProofError::Malformed)
    );
}

#[test]
fn nonces_are_shared_by_the_same_secret_and_expire_after_two_buckets() {
    let a = HmacDpopNonces::from_secret(&SecretString::from("one secret"));
    let b = HmacDpopNonces::from_secret(&SecretString::from("one secret"));
    let other = HmacDpopNonces::from_secret(&SecretString::from("another secret"));
    let t = UnixTime::from_secs(10 * DPOP_NONCE_BUCKET_SECS);
    let n = a.current(t);
    assert!(b.accepts(&n, t));
    assert!(b.accepts(&n, t.plus(DPOP_NONCE_BUCKET_SECS)));
    assert!(!b.accepts(&n, t.plus(2 * DPOP_NONCE_BUCKET_SECS)));
    assert!(!other.accepts(&n, t));
    assert!(!a.accepts("", t));
    assert_ne!(a.current(t), a.current(t.plus(DPOP_NONCE_BUCKET_SECS)));
}

/// Found with the fuzz targets' header checks (the shared header parser): a JSON array of the
/// members in order is not a JOSE header.
#[test]
fn a_header_that_is_not_a_json_object_is_malformed() {
    let pair = es256_pair();
    let header = json!(["dpop+jwt", "ES256", public_jwk(&pair)]).to_string();
    let proof = format!(
        "{}.{}.AQID",
        B64.encode(header),
        B64.encode(claims().to_string())
    );
    assert_eq!(
        JosekitDpopVerifier.verify(&proof, &ALL),
        Err(DpopProofError::Malformed)
    );
}
