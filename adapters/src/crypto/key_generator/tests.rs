use super::super::test_keys::rsa_key;
use super::*;

fn keys_of(jwk: &Map<String, Value>) -> Vec<&str> {
    let mut k: Vec<&str> = jwk.keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn rsa_key_is_2048_bit_pkcs8_with_public_jwk_only() {
    let key = rsa_key();
    assert_eq!(keys_of(&key.public_jwk), ["e", "kty", "n"]);
    assert_eq!(key.public_jwk["e"], "AQAB");
    let pair = josekit::jws::RS256
        .key_pair_from_der(key.private_pkcs8_der.expose_secret())
        .unwrap();
    assert_eq!(pair.key_len(), 256);
    assert_pkcs8(key.private_pkcs8_der.expose_secret());
    // The JWK built from the rsa crate's key is the one OpenSSL sees in the DER.
    let from_openssl: Map<String, Value> = pair.to_jwk_public_key().into();
    assert_eq!(public_members(&from_openssl).unwrap(), key.public_jwk);
}

/// PKCS#8 PrivateKeyInfo starts SEQUENCE, INTEGER 0 (SEC1 would have version 1), SEQUENCE.
fn assert_pkcs8(der: &[u8]) {
    pkcs8::PrivateKeyInfo::try_from(der).unwrap();
}

#[test]
fn ec_and_ed_keys_have_public_members_only() {
    let es = KeyPairGenerator.generate(SigningAlgorithm::Es256).unwrap();
    assert_eq!(keys_of(&es.public_jwk), ["crv", "kty", "x", "y"]);
    assert_eq!(es.public_jwk["crv"], "P-256");
    assert_pkcs8(es.private_pkcs8_der.expose_secret());
    josekit::jws::ES256
        .signer_from_der(es.private_pkcs8_der.expose_secret())
        .unwrap();

    let ed = KeyPairGenerator.generate(SigningAlgorithm::EdDsa).unwrap();
    assert_eq!(keys_of(&ed.public_jwk), ["crv", "kty", "x"]);
    assert_eq!(ed.public_jwk["crv"], "Ed25519");
    assert_pkcs8(ed.private_pkcs8_der.expose_secret());
    josekit::jws::EdDSA
        .signer_from_der(ed.private_pkcs8_der.expose_secret())
        .unwrap();
}
