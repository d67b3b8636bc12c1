use super::super::test_keys::rsa_key;
use super::super::KeyPairGenerator;
use super::*;
use josekit::jws::{EdDSA, JwsSigner, ES256, HS256, RS256};
use secrecy::{ExposeSecret, SecretBox};
use serde_json::{json, Map, Value};
use tessera_application::ports::{GeneratedKey, KeyGenerator};
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey};

const NOW: UnixTime = UnixTime::from_secs(1_000);

fn material(
    generated: &GeneratedKey,
    kid: &str,
    alg: SigningAlgorithm,
    state: KeyState,
    retire_after: Option<i64>,
) -> KeyMaterial {
    KeyMaterial {
        key: SigningKey {
            kid: kid.into(),
            alg,
            state,
            created_at: UnixTime::from_secs(0),
            retire_after: retire_after.map(UnixTime::from_secs),
            public_jwk: Value::Object(generated.public_jwk.clone()).to_string(),
        },
        private_pkcs8_der: SecretBox::new(Box::new(
            generated.private_pkcs8_der.expose_secret().clone(),
        )),
    }
}

fn generate(alg: SigningAlgorithm) -> GeneratedKey {
    match alg {
        SigningAlgorithm::Rs256 => GeneratedKey {
            private_pkcs8_der: SecretBox::new(Box::new(
                rsa_key().private_pkcs8_der.expose_secret().clone(),
            )),
            public_jwk: rsa_key().public_jwk.clone(),
        },
        other => KeyPairGenerator.generate(other).unwrap(),
    }
}

fn engine_with(alg: SigningAlgorithm) -> (JosekitEngine, GeneratedKey) {
    let key = generate(alg);
    let engine = JosekitEngine::new();
    engine
        .install(vec![material(&key, "k1", alg, KeyState::Active, None)])
        .unwrap();
    (engine, key)
}

fn claims() -> Map<String, Value> {
    let Value::Object(m) = json!({"iss": "https://id.example", "sub": "alice", "exp": 2_000})
    else {
        unreachable!()
    };
    m
}

/// A compact JWS with any header, signed by `signer` (or with an empty signature).
fn forge(header: Value, payload: &[u8], signer: Option<&dyn JwsSigner>) -> String {
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(payload));
    let signature = signer.map_or(Vec::new(), |s| s.sign(input.as_bytes()).unwrap());
    format!("{input}.{}", B64.encode(signature))
}

fn signer_for(alg: SigningAlgorithm, key: &GeneratedKey) -> Box<dyn JwsSigner> {
    let der = key.private_pkcs8_der.expose_secret();
    match alg {
        SigningAlgorithm::Rs256 => Box::new(RS256.signer_from_der(der).unwrap()),
        SigningAlgorithm::Es256 => Box::new(ES256.signer_from_der(der).unwrap()),
        SigningAlgorithm::EdDsa => Box::new(EdDSA.signer_from_der(der).unwrap()),
    }
}

fn header_of(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&B64.decode(h).unwrap()).unwrap()
}

const ALGS: [SigningAlgorithm; 3] = [
    SigningAlgorithm::Rs256,
    SigningAlgorithm::Es256,
    SigningAlgorithm::EdDsa,
];

#[test]
fn each_algorithm_signs_and_verifies() {
    for alg in ALGS {
        let (engine, _) = engine_with(alg);
        assert_eq!(engine.active_kid().as_deref(), Some("k1"));
        let token = engine.sign("at+jwt", &claims()).unwrap();
        assert_eq!(
            header_of(&token),
            json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": "k1"})
        );
        let verified = engine.verify(&token, "at+jwt", NOW).unwrap();
        assert_eq!(verified.claims, claims());
        assert_eq!(verified.kid, "k1");
        // `typ` is a media type: case and the `application/` prefix do not matter.
        assert!(engine.verify(&token, "AT+JWT", NOW).is_ok());
        assert!(engine.verify(&token, "application/at+jwt", NOW).is_ok());
    }
}

#[test]
fn a_token_of_another_type_is_refused() {
    let (engine, _) = engine_with(SigningAlgorithm::Es256);
    let id_token = engine.sign("JWT", &claims()).unwrap();
    assert_eq!(
        engine.verify(&id_token, "at+jwt", NOW).unwrap_err(),
        VerifyError::Type
    );
}

#[test]
fn a_tampered_payload_is_refused() {
    for alg in ALGS {
        let (engine, _) = engine_with(alg);
        let token = engine.sign("at+jwt", &claims()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let mut altered = claims();
        altered.insert("sub".into(), json!("mallory"));
        let payload = B64.encode(Value::Object(altered).to_string());
        parts[1] = &payload;
        assert_eq!(
            engine.verify(&parts.join("."), "at+jwt", NOW).unwrap_err(),
            VerifyError::Signature,
            "{alg}"
        );
    }
}

#[test]
fn alg_none_is_refused() {
    let (engine, _) = engine_with(SigningAlgorithm::Rs256);
    for alg in ["none", "None", "NONE"] {
        let token = forge(
            json!({"alg": alg, "typ": "at+jwt", "kid": "k1"}),
            Value::Object(claims()).to_string().as_bytes(),
            None,
        );
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::Algorithm
        );
    }
}

#[test]
fn hs256_keyed_with_the_rsa_public_key_is_refused() {
    let (engine, key) = engine_with(SigningAlgorithm::Rs256);
    let pair = RS256
        .key_pair_from_der(key.private_pkcs8_der.expose_secret())
        .unwrap();
    let jwks = engine.jwks();
    for secret in [
        josekit::jwk::KeyPair::to_der_public_key(&pair),
        josekit::jwk::KeyPair::to_pem_public_key(&pair),
        jwks.into_bytes(),
    ] {
        let hmac = HS256.signer_from_bytes(&secret).unwrap();
        let token = forge(
            json!({"alg": "HS256", "typ": "at+jwt", "kid": "k1"}),
            Value::Object(claims()).to_string().as_bytes(),
            Some(&hmac),
        );
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::Algorithm
        );
    }
}

#[test]
fn an_allowed_alg_that_is_not_the_keys_own_is_refused() {
    let (engine, _) = engine_with(SigningAlgorithm::Rs256);
    let other = generate(SigningAlgorithm::Es256);
    let token = forge(
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}),
        b"{}",
        Some(signer_for(SigningAlgorithm::Es256, &other).as_ref()),
    );
    assert_eq!(
        engine.verify(&token, "at+jwt", NOW).unwrap_err(),
        VerifyError::Algorithm
    );
}

#[test]
fn key_material_in_the_header_is_refused_even_with_a_good_signature() {
    let (engine, key) = engine_with(SigningAlgorithm::Es256);
    let signer = signer_for(SigningAlgorithm::Es256, &key);
    let public = Value::Object(key.public_jwk.clone());
    for (member, value) in [
        ("jwk", public),
        ("jku", json!("https://evil.example/jwks")),
        ("x5u", json!("https://evil.example/cert")),
        ("x5c", json!(["MIIB"])),
        ("crit", json!(["exp"])),
    ] {
        let mut header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"});
        header[member] = value;
        let token = forge(header, b"{}", Some(signer.as_ref()));
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::ForbiddenHeader,
            "{member}"
        );
    }
    // The same token without them is fine: the refusal is the header rule.
    let token = forge(
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}),
        b"{}",
        Some(signer.as_ref()),
    );
    assert!(engine.verify(&token, "at+jwt", NOW).is_ok());
}

#[test]
fn an_unknown_or_missing_kid_is_refused() {
    let (engine, key) = engine_with(SigningAlgorithm::Es256);
    let signer = signer_for(SigningAlgorithm::Es256, &key);
    for header in [
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "k2"}),
        json!({"alg": "ES256", "typ": "at+jwt"}),
    ] {
        let token = forge(header, b"{}", Some(signer.as_ref()));
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::UnknownKey
        );
    }
}

#[test]
fn a_key_past_retire_after_no_longer_verifies() {
    let active = generate(SigningAlgorithm::Es256);
    let retiring = generate(SigningAlgorithm::EdDsa);
    let engine = JosekitEngine::new();
    engine
        .install(vec![
            material(
                &active,
                "a",
                SigningAlgorithm::Es256,
                KeyState::Active,
                None,
            ),
            material(
                &retiring,
                "old",
                SigningAlgorithm::EdDsa,
                KeyState::Retiring,
                Some(1_000),
            ),
        ])
        .unwrap();
    let token = forge(
        json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "old"}),
        b"{}",
        Some(signer_for(SigningAlgorithm::EdDsa, &retiring).as_ref()),
    );
    let before = UnixTime::from_secs(999);
    assert_eq!(engine.verify(&token, "at+jwt", before).unwrap().kid, "old");
    assert_eq!(
        engine.verify(&token, "at+jwt", NOW).unwrap_err(),
        VerifyError::UnknownKey
    );
    // Retiring keys never sign.
    assert_eq!(
        header_of(&engine.sign("at+jwt", &claims()).unwrap())["kid"],
        "a"
    );
}

#[test]
fn another_key_under_the_same_kid_is_refused() {
    for alg in ALGS {
        let (engine, _) = engine_with(alg);
        let impostor = match alg {
            // One shared RSA key keeps the tests fast; the impostor is a fresh one.
            SigningAlgorithm::Rs256 => Box::new(
                RS256
                    .generate_key_pair(2048)
                    .map(|p| {
                        RS256
                            .signer_from_der(josekit::jwk::KeyPair::to_der_private_key(&p))
                            .unwrap()
                    })
                    .unwrap(),
            ) as Box<dyn JwsSigner>,
            other => signer_for(other, &generate(other)),
        };
        let token = forge(
            json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": "k1"}),
            b"{}",
            Some(impostor.as_ref()),
        );
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::Signature,
            "{alg}"
        );
    }
}

#[test]
fn a_signed_payload_that_is_not_a_json_object_is_malformed() {
    let (engine, key) = engine_with(SigningAlgorithm::Es256);
    let signer = signer_for(SigningAlgorithm::Es256, &key);
    for payload in [&b"[1]"[..], b"not json", b""] {
        let token = forge(
            json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}),
            payload,
            Some(signer.as_ref()),
        );
        assert_eq!(
            engine.verify(&token, "at+jwt", NOW).unwrap_err(),
            VerifyError::Malformed
        );
    }
}

#[test]
fn jwks_lists_public_members_with_kid_alg_and_use_only() {
    let rsa = generate(SigningAlgorithm::Rs256);
    let es = generate(SigningAlgorithm::Es256);
    let ed = generate(SigningAlgorithm::EdDsa);
    let engine = JosekitEngine::new();
    engine
        .install(vec![
            material(&es, "next", SigningAlgorithm::Es256, KeyState::Next, None),
            material(
                &rsa,
                "active",
                SigningAlgorithm::Rs256,
                KeyState::Active,
                None,
            ),
            material(
                &ed,
                "old",
                SigningAlgorithm::EdDsa,
                KeyState::Retiring,
                Some(5_000),
            ),
        ])
        .unwrap();
    let jwks: Value = serde_json::from_str(&engine.jwks()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(jwks.as_object().unwrap().len(), 1);
    assert_eq!(keys.len(), 3);
    for (key, (kid, alg, members)) in keys.iter().zip([
        (
            "next",
            "ES256",
            vec!["alg", "crv", "kid", "kty", "use", "x", "y"],
        ),
        (
            "active",
            "RS256",
            vec!["alg", "e", "kid", "kty", "n", "use"],
        ),
        ("old", "EdDSA", vec!["alg", "crv", "kid", "kty", "use", "x"]),
    ]) {
        let key = key.as_object().unwrap();
        assert_eq!(key["kid"], kid);
        assert_eq!(key["alg"], alg);
        assert_eq!(key["use"], "sig");
        let mut names: Vec<&str> = key.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, members);
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(!key.contains_key(private), "{kid} has {private}");
        }
    }
    // The published RSA key verifies what the engine signs: it is the active key's.
    assert_eq!(keys[1]["n"], rsa.public_jwk["n"]);
}

#[test]
fn nothing_signs_or_verifies_before_install() {
    let engine = JosekitEngine::new();
    assert!(matches!(
        engine.sign("at+jwt", &claims()),
        Err(CryptoError::NoActiveKey)
    ));
    assert_eq!(engine.jwks(), r#"{"keys":[]}"#);
    assert_eq!(engine.active_kid(), None);
    let (other, _) = engine_with(SigningAlgorithm::Es256);
    let token = other.sign("at+jwt", &claims()).unwrap();
    assert_eq!(
        engine.verify(&token, "at+jwt", NOW).unwrap_err(),
        VerifyError::UnknownKey
    );
}

#[test]
fn install_refuses_a_bad_set_and_keeps_the_previous_one() {
    let (engine, key) = engine_with(SigningAlgorithm::Es256);
    let es = SigningAlgorithm::Es256;
    let other = generate(es);
    let mut wrong_jwk = material(&key, "x", es, KeyState::Active, None);
    wrong_jwk.key.public_jwk = Value::Object(other.public_jwk.clone()).to_string();

    let bad_sets: Vec<(&str, Vec<KeyMaterial>)> = vec![
        (
            "no active key",
            vec![material(&key, "n", es, KeyState::Next, None)],
        ),
        (
            "two active keys",
            vec![
                material(&key, "a", es, KeyState::Active, None),
                material(&other, "b", es, KeyState::Active, None),
            ],
        ),
        (
            "duplicate kid",
            vec![
                material(&key, "a", es, KeyState::Active, None),
                material(&other, "a", es, KeyState::Next, None),
            ],
        ),
        (
            "P-256 key labelled EdDSA",
            vec![material(
                &key,
                "x",
                SigningAlgorithm::EdDsa,
                KeyState::Active,
                None,
            )],
        ),
        (
            "P-256 key labelled RS256",
            vec![material(
                &key,
                "x",
                SigningAlgorithm::Rs256,
                KeyState::Active,
                None,
            )],
        ),
        ("stored JWK of another key", vec![wrong_jwk]),
        ("garbage DER", {
            let mut m = material(&key, "x", es, KeyState::Active, None);
            m.private_pkcs8_der = SecretBox::new(Box::new(vec![0x30, 0x03, 1, 2, 3]));
            vec![m]
        }),
    ];
    for (why, set) in bad_sets {
        assert!(engine.install(set).is_err(), "{why}");
    }
    assert!(matches!(
        engine.install(vec![]),
        Err(CryptoError::NoActiveKey)
    ));
    assert_eq!(engine.active_kid().as_deref(), Some("k1"));
    let token = engine.sign("at+jwt", &claims()).unwrap();
    assert!(engine.verify(&token, "at+jwt", NOW).is_ok());
}

#[test]
fn an_install_replaces_the_set() {
    let (engine, _) = engine_with(SigningAlgorithm::Es256);
    let old_token = engine.sign("at+jwt", &claims()).unwrap();
    let fresh = generate(SigningAlgorithm::EdDsa);
    engine
        .install(vec![material(
            &fresh,
            "k2",
            SigningAlgorithm::EdDsa,
            KeyState::Active,
            None,
        )])
        .unwrap();
    assert_eq!(engine.active_kid().as_deref(), Some("k2"));
    assert_eq!(
        engine.verify(&old_token, "at+jwt", NOW).unwrap_err(),
        VerifyError::UnknownKey
    );
    let token = engine.sign("at+jwt", &claims()).unwrap();
    assert_eq!(engine.verify(&token, "at+jwt", NOW).unwrap().kid, "k2");
    assert!(format!("{engine:?}").contains("k2"));
}
