//! Property tests of the client-JWT header handling before any key is touched (the same
//! properties as the `client_assertion` fuzz target): a well-formed token splits into exactly
//! its own parts; key material or references in the header, `crit`, bad shapes and non-base64url
//! segments are `Malformed`; algorithm names round-trip; `typ` compares as a media type; no
//! token panics the splitter.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn compact(header: &Value, payload: &[u8], signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload),
        B64.encode(signature)
    )
}

const NAMES: [&str; 13] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    "HS256", "HS384", "HS512",
];

proptest! {
    /// A token with an ordinary header splits into its header values, its signing input, its
    /// payload segment and its decoded signature.
    #[test]
    fn well_formed_tokens_split_into_their_parts(
        alg in ".{0,8}", kid in proptest::option::of(".{0,12}"), typ in proptest::option::of(".{0,12}"),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        signature in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        let mut header = json!({"alg": alg});
        if let Some(kid) = &kid { header["kid"] = json!(kid); }
        if let Some(typ) = &typ { header["typ"] = json!(typ); }
        let token = compact(&header, &payload, &signature);
        let split = split(&token);
        prop_assert!(split.is_ok(), "{token}");
        if let Ok(s) = split {
            prop_assert_eq!(&s.header.alg, &alg);
            prop_assert_eq!(&s.header.kid, &kid);
            prop_assert_eq!(&s.header.typ, &typ);
            prop_assert_eq!(s.signature, signature);
            prop_assert_eq!(s.payload, B64.encode(&payload));
            let (signing_input, _) = token.rsplit_once('.').unwrap();
            prop_assert_eq!(s.signing_input, signing_input.as_bytes());
        }
    }

    /// Key material or references in the header, and `crit`, are refused whatever their value.
    #[test]
    fn header_keys_are_malformed(
        member in prop_oneof![Just("jwk"), Just("jku"), Just("x5u"), Just("x5c"), Just("crit")],
        value in prop_oneof![Just(json!(null)), Just(json!({})), ".{0,8}".prop_map(|s| json!(s))],
    ) {
        let mut header = json!({"alg": "ES256", "kid": "k1"});
        header[member] = value;
        let token = compact(&header, b"{}", &[1]);
        prop_assert!(matches!(split(&token), Err(ClientJwtError::Malformed)));
    }

    /// Not three segments, a non-base64url or padded segment, or more than the size cap is
    /// `Malformed`.
    #[test]
    fn bad_shapes_are_malformed(segments in 0usize..7, pad in "[=+/ ]{1,2}", extra in 0usize..32) {
        let good = compact(&json!({"alg": "ES256"}), b"{}", &[1, 2, 3]);
        if segments != 3 {
            let parts: Vec<&str> = good.split('.').cycle().take(segments).collect();
            prop_assert!(matches!(split(&parts.join(".")), Err(ClientJwtError::Malformed)));
        }
        let padded = format!("{good}{pad}");
        prop_assert!(matches!(split(&padded), Err(ClientJwtError::Malformed)));
        let big = json!({"alg": "ES256", "pad": "x".repeat(MAX_TOKEN_LEN + extra)});
        let oversized = compact(&big, b"{}", &[1]);
        prop_assert!(matches!(split(&oversized), Err(ClientJwtError::Malformed)));
    }

    /// Algorithm names parse to themselves; anything else, any other case included, does not.
    #[test]
    fn algorithm_names_round_trip(name in proptest::sample::select(NAMES.to_vec()), other in ".{0,8}") {
        let alg = Alg::parse(name);
        prop_assert_eq!(alg.map(Alg::name), Some(name));
        prop_assert_eq!(alg.map(Alg::is_hmac), Some(name.starts_with("HS")));
        prop_assert_eq!(Alg::parse(&other).is_some(), NAMES.contains(&other.as_str()));
    }

    /// `typ` compares case-insensitively with `application/` implied, and is symmetric.
    #[test]
    fn typ_is_a_media_type(t in "[a-z+]{1,12}", flip in any::<bool>(), other in ".{0,16}") {
        let upper = t.to_ascii_uppercase();
        let prefixed = format!("application/{t}");
        prop_assert!(same_media_type(&t, &upper));
        let either = if flip { &prefixed } else { &t };
        prop_assert!(same_media_type(either, &t));
        prop_assert_eq!(same_media_type(&t, &other), same_media_type(&other, &t));
    }

    /// No text makes the splitter or the media-type comparison panic.
    #[test]
    fn nothing_panics(text in any::<String>(), header in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = split(&text).map(|_| ());
        let _ = split(&format!("{}.e30.AQID", B64.encode(&header))).map(|_| ());
        let _ = same_media_type(&text, "JWT");
    }
}
