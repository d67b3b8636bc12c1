//! Property tests of the DPoP proof verifier (the same properties as the `dpop_proof` fuzz
//! target): the header is judged in order (shape, `typ`, `alg`, key) before any signature;
//! a proof signed by its header key comes back with that key's thumbprint and exactly the
//! claims it carried; any change to a signed proof is refused; no proof panics the verifier.

use super::*;
use josekit::jws::{JwsHeader, ES256};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

const ALL: [&str; 4] = ["ES256", "PS256", "RS256", "EdDSA"];

/// One ES256 key pair for all cases (generating one per case would dominate the run).
fn pair() -> &'static josekit::jwk::alg::ec::EcKeyPair {
    static PAIR: OnceLock<josekit::jwk::alg::ec::EcKeyPair> = OnceLock::new();
    PAIR.get_or_init(|| ES256.generate_key_pair().unwrap())
}

fn public_jwk() -> Value {
    Value::Object(pair().to_jwk_public_key().as_ref().clone())
}

fn sign(payload: &[u8]) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header.set_claim("jwk", Some(public_jwk())).unwrap();
    let signer = ES256.signer_from_jwk(&pair().to_jwk_private_key()).unwrap();
    josekit::jws::serialize_compact(payload, &header, &signer).unwrap()
}

/// A token whose header is `header` and whose other parts are junk.
fn with_header(header: &Value) -> String {
    format!("{}.e30.AQID", B64.encode(header.to_string()))
}

proptest! {
    /// A proof signed by its own header key verifies, with that key's thumbprint and the claims
    /// it carried, whatever their values.
    #[test]
    fn signed_proofs_verify_with_their_claims(
        jti in "[ -~]{1,40}", htm in "[A-Z]{3,7}", htu in "https://[a-z]{1,10}/[a-z]{0,10}",
        iat in any::<i64>(), nonce in proptest::option::of("[A-Za-z0-9_-]{1,43}"),
    ) {
        let claims = DpopProofClaims { jti, htm, htu, iat, ath: None, nonce };
        let proof = sign(serde_json::to_string(&claims).unwrap().as_bytes());
        let verified = JosekitDpopVerifier.verify(&proof, &ALL);
        let jkt = jwk_thumbprint(public_jwk().as_object().unwrap()).unwrap();
        prop_assert_eq!(verified, Ok(VerifiedDpopProof { jkt, claims }));
    }

    /// Changing any character of a signed proof makes it fail; it never passes.
    #[test]
    fn tampered_proofs_are_refused(at in any::<proptest::sample::Index>(), to in "[A-Za-z0-9_.-]") {
        let proof = sign(br#"{"jti":"j","htm":"POST","htu":"https://a/t","iat":1}"#);
        let i = at.index(proof.len());
        prop_assume!(proof.get(i..=i) != Some(to.as_str()));
        let tampered = format!("{}{to}{}", &proof[..i], &proof[i + 1..]);
        prop_assert!(JosekitDpopVerifier.verify(&tampered, &ALL).is_err(), "{tampered}");
    }

    /// Another `typ` is `Type`, before the algorithm or key are looked at.
    #[test]
    fn typ_is_checked_first(typ in ".{0,12}", alg in ".{0,6}") {
        prop_assume!(typ != DPOP_PROOF_TYP);
        let header = json!({"typ": typ, "alg": alg, "jwk": public_jwk()});
        prop_assert_eq!(JosekitDpopVerifier.verify(&with_header(&header), &ALL), Err(DpopProofError::Type));
    }

    /// An algorithm off the caller's list is `Algorithm`, naming it.
    #[test]
    fn algorithms_off_the_list_are_refused(alg in ".{0,8}") {
        prop_assume!(!ALL.contains(&alg.as_str()));
        let header = json!({"typ": DPOP_PROOF_TYP, "alg": alg, "jwk": public_jwk()});
        prop_assert_eq!(
            JosekitDpopVerifier.verify(&with_header(&header), &ALL),
            Err(DpopProofError::Algorithm(alg))
        );
    }

    /// A missing, private, symmetric or foreign key is `Key`, never a signature check.
    #[test]
    fn unusable_keys_are_refused(
        jwk in prop_oneof![
            Just(Value::Null),
            Just(json!({"kty": "oct", "k": "c2VjcmV0"})),
            Just(json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"})),
            "[A-Z]{1,4}".prop_map(|kty| json!({"kty": kty})),
        ],
    ) {
        let mut header = json!({"typ": DPOP_PROOF_TYP, "alg": "ES256"});
        if !jwk.is_null() {
            header["jwk"] = jwk;
        }
        prop_assert_eq!(JosekitDpopVerifier.verify(&with_header(&header), &ALL), Err(DpopProofError::Key));
    }

    /// No text and no header makes the verifier panic.
    #[test]
    fn nothing_panics(text in any::<String>(), header in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = JosekitDpopVerifier.verify(&text, &ALL);
        let _ = JosekitDpopVerifier.verify(&format!("{}.e30.AQID", B64.encode(&header)), &ALL);
    }
}
