//! DPoP proofs (adapters `crypto::dpop`, domain `dpop`): no proof panics the verifier, whatever
//! its header, key or payload; a proof it accepts carries the RFC 7638 thumbprint of its own
//! header key; the claim rules (`htm`, `htu`, `iat` window, `ath`) never panic and `htu`
//! matching is symmetric. A second mode signs the fuzzer's payload with a real key, so the
//! claims parser after the signature check is reached too.
#![no_main]

use base64::Engine;
use josekit::jws::{JwsHeader, JwsSigner, ES256};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tessera_adapters::crypto::JosekitDpopVerifier;
use tessera_application::ports::DpopProofVerifier;
use tessera_domain::{htu_matches, jwk_thumbprint, DpopProofClaims, ProofTarget, UnixTime};
use tessera_fuzz::B64;

const ALLOWED: [&str; 4] = ["ES256", "PS256", "RS256", "EdDSA"];

struct Key {
    signer: Box<dyn JwsSigner>,
    public: serde_json::Map<String, serde_json::Value>,
}

fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| {
        let pair = ES256.generate_key_pair().expect("key pair");
        Key {
            signer: Box::new(
                ES256
                    .signer_from_jwk(&pair.to_jwk_private_key())
                    .expect("signer"),
            ),
            public: pair.to_jwk_public_key().as_ref().clone(),
        }
    })
}

fn signed(payload: &[u8]) -> String {
    let key = key();
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header
        .set_claim("jwk", Some(serde_json::Value::Object(key.public.clone())))
        .expect("jwk header");
    josekit::jws::serialize_compact(payload, &header, key.signer.as_ref()).expect("signs")
}

fuzz_target!(|data: &[u8]| {
    let proof = match data.split_first() {
        Some((mode, rest)) if mode & 2 == 2 => signed(rest),
        _ => tessera_fuzz::token(data),
    };
    let result = JosekitDpopVerifier.verify(&proof, &ALLOWED);
    let header: Option<serde_json::Map<String, serde_json::Value>> = proof
        .split('.')
        .next()
        .and_then(|h| B64.decode(h).ok())
        .and_then(|h| serde_json::from_slice(&h).ok());
    if let Ok(verified) = &result {
        let jwk = header
            .as_ref()
            .and_then(|h| h.get("jwk"))
            .and_then(|j| j.as_object())
            .expect("an accepted proof has a jwk");
        assert_eq!(
            jwk_thumbprint(jwk).ok().as_deref(),
            Some(verified.jkt.as_str())
        );
        assert_eq!(
            tessera_fuzz::payload_of(&proof)
                .and_then(|p| serde_json::from_slice::<DpopProofClaims>(&p).ok()),
            Some(verified.claims.clone())
        );
    }
    if let Some(jwk) = header
        .as_ref()
        .and_then(|h| h.get("jwk"))
        .and_then(|j| j.as_object())
    {
        assert_eq!(jwk_thumbprint(jwk), jwk_thumbprint(jwk));
    }
    let Some(claims) = tessera_fuzz::payload_of(&proof)
        .and_then(|p| serde_json::from_slice::<DpopProofClaims>(&p).ok())
    else {
        return;
    };
    let now = UnixTime::from_secs(1_700_000_000);
    for target in [
        ProofTarget {
            method: "POST",
            uri: "https://id.example/token",
            access_token: None,
        },
        ProofTarget {
            method: &claims.htm,
            uri: &claims.htu,
            access_token: Some("at"),
        },
        ProofTarget {
            method: &claims.htm,
            uri: &claims.htu,
            access_token: None,
        },
    ] {
        if claims.check(&target, now, 60).is_ok() {
            assert_eq!(claims.htm, target.method);
            assert!(claims.iat.abs_diff(now.as_secs()) <= 60);
            assert!(!claims.jti.is_empty());
            let _ = claims.remember_until(60);
        }
        assert_eq!(
            htu_matches(&claims.htu, target.uri),
            htu_matches(target.uri, &claims.htu)
        );
    }
});
