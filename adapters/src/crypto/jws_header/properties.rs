//! Property tests of the JWS header checks: a good header passes with its key id, payload
//! and signature intact; forbidden members, algorithms outside the allow-list, other `typ`s,
//! non-canonical base64url, wrong shapes and oversized tokens are refused with their own
//! error, in the documented order; no input panics.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A compact JWS of `header`, `payload` and `signature`, encoded canonically.
fn compact(header: &Value, payload: &[u8], signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload),
        B64.encode(signature)
    )
}

/// One of the algorithms Tessera signs with.
fn allowed_alg() -> impl Strategy<Value = SigningAlgorithm> {
    prop_oneof![
        Just(SigningAlgorithm::Rs256),
        Just(SigningAlgorithm::Es256),
        Just(SigningAlgorithm::EdDsa),
    ]
}

/// `s` with each ASCII letter's case flipped where `mask` says so.
fn recase(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().chain(std::iter::repeat(&false)))
        .map(|(c, flip)| {
            if *flip && c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else if *flip {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// A header with an allowed `alg`, the expected `typ` (any case, `application/` or not)
    /// and a `kid` passes, handing back exactly the token's parts.
    #[test]
    fn good_headers_pass_with_their_parts_intact(
        alg in allowed_alg(),
        kid in any::<String>(),
        typ_mask in proptest::collection::vec(any::<bool>(), 18),
        with_prefix in any::<bool>(),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        signature in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        let typ = recase(if with_prefix { "application/at+jwt" } else { "at+jwt" }, &typ_mask);
        let header = json!({"alg": alg.as_str(), "typ": typ, "kid": kid});
        let token = compact(&header, &payload, &signature);
        let checked = check(&token, "at+jwt");
        prop_assert!(checked.is_ok(), "{token}: {checked:?}");
        if let Ok(c) = checked {
            prop_assert_eq!(c.alg, alg);
            prop_assert_eq!(&c.kid, &kid);
            prop_assert_eq!(&c.signature, &signature);
            let (signing_input, _) = token.rsplit_once('.').unwrap_or_default();
            prop_assert_eq!(c.signing_input, signing_input.as_bytes());
            prop_assert_eq!(c.payload, B64.encode(&payload));
        }
    }

    /// Key material or key references in the header are refused whatever their value, and
    /// before the algorithm is looked at.
    #[test]
    fn forbidden_members_are_refused(
        member in prop_oneof![Just("jwk"), Just("jku"), Just("x5u"), Just("x5c"), Just("crit")],
        value in json_value(),
        alg in prop_oneof![Just("ES256".to_owned()), Just("none".to_owned()), "[A-Za-z0-9]{0,8}"],
    ) {
        let mut header = json!({"alg": alg, "typ": "at+jwt", "kid": "k1"});
        header[member] = value;
        let token = compact(&header, b"{}", &[1, 2, 3]);
        prop_assert_eq!(check(&token, "at+jwt").map(|_| ()), Err(VerifyError::ForbiddenHeader));
    }

    /// Only RS256, ES256 and EdDSA, spelled exactly so, pass the algorithm check.
    #[test]
    fn other_algorithms_are_refused(alg in prop_oneof![
        ".{0,12}",
        allowed_alg().prop_flat_map(|a| {
            proptest::collection::vec(any::<bool>(), 5).prop_map(move |m| recase(a.as_str(), &m))
        }),
    ]) {
        prop_assume!(SigningAlgorithm::parse(&alg).is_err());
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": "k1"});
        let token = compact(&header, b"{}", &[1, 2, 3]);
        prop_assert_eq!(check(&token, "at+jwt").map(|_| ()), Err(VerifyError::Algorithm));
    }

    /// A `typ` that is not the expected media type is refused.
    #[test]
    fn other_types_are_refused(typ in ".{0,24}") {
        let media = typ.to_ascii_lowercase();
        prop_assume!(media != "at+jwt" && media != "application/at+jwt");
        let header = json!({"alg": "ES256", "typ": typ, "kid": "k1"});
        let token = compact(&header, b"{}", &[1, 2, 3]);
        prop_assert_eq!(check(&token, "at+jwt").map(|_| ()), Err(VerifyError::Type));
    }

    /// Padding or non-canonical trailing bits in the header or the signature make the token
    /// malformed: one token has one encoding.
    #[test]
    fn non_canonical_base64url_is_malformed(
        signature in proptest::collection::vec(any::<u8>(), 1..64),
        in_header in any::<bool>(),
        padding in any::<bool>(),
    ) {
        let header = B64.encode(json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}).to_string());
        let signature = B64.encode(&signature);
        let spoil = |s: &str| -> Option<String> {
            if padding {
                return Some(format!("{s}="));
            }
            // The last character of a length that is not a multiple of 4 carries unused bits;
            // setting the lowest one keeps the alphabet but leaves the encoding non-canonical.
            let chars_in_last_quantum = s.len() % 4;
            if chars_in_last_quantum == 0 {
                return None;
            }
            let last = s.chars().last()?;
            let position = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".find(last)?;
            let flipped = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                .chars()
                .nth(position ^ 1)?;
            Some(format!("{}{flipped}", s.get(..s.len() - 1)?))
        };
        let token = if in_header {
            spoil(&header).map(|h| format!("{h}.e30.{signature}"))
        } else {
            spoil(&signature).map(|s| format!("{header}.e30.{s}"))
        };
        prop_assume!(token.is_some());
        let token = token.unwrap_or_default();
        prop_assert_eq!(check(&token, "at+jwt").map(|_| ()), Err(VerifyError::Malformed), "{}", token);
    }

    /// Fewer or more than three segments, or more than the size cap, is malformed.
    #[test]
    fn shape_and_size_are_enforced(segments in 0usize..7, extra in 0usize..64) {
        let good = compact(&json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}), b"{}", &[1, 2, 3]);
        if segments != 3 {
            let parts: Vec<&str> = good.split('.').cycle().take(segments).collect();
            prop_assert_eq!(check(&parts.join("."), "at+jwt").map(|_| ()), Err(VerifyError::Malformed));
        }
        let padded = json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1", "pad": "x".repeat(MAX_TOKEN_LEN + extra)});
        let oversized = compact(&padded, b"{}", &[1, 2, 3]);
        prop_assert_eq!(check(&oversized, "at+jwt").map(|_| ()), Err(VerifyError::Malformed));
    }

    /// No token makes the checks panic: arbitrary text, and three arbitrary segments.
    #[test]
    fn check_never_panics(
        text in any::<String>(),
        header in proptest::collection::vec(any::<u8>(), 0..64),
        value in json_value(),
        signature in ".{0,20}",
    ) {
        let _ = check(&text, "at+jwt");
        let _ = check(&format!("{}.e30.{signature}", B64.encode(&header)), "at+jwt");
        let _ = check(&compact(&value, b"", b""), "at+jwt");
        let _ = same_media_type(&text, "at+jwt");
    }
}
