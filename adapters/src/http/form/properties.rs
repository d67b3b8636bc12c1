//! Property tests of the form parser: whatever a client encodes comes back decoded, each
//! parameter at most once, empty values absent; repeats and invalid UTF-8 are
//! `invalid_request`; no body panics.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use tessera_application::OAuthErrorCode;

/// Parameters with distinct names and any values, empty ones included.
fn parameters() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(
        "[a-z_]{1,12}",
        prop_oneof![Just(String::new()), any::<String>()],
        0..8,
    )
}

proptest! {
    /// Every parameter an encoder writes is read back decoded; empty values read as absent,
    /// and `into_map` holds exactly the non-empty ones.
    #[test]
    fn encoded_parameters_round_trip(params in parameters()) {
        let body = serde_urlencoded::to_string(&params);
        prop_assert!(body.is_ok());
        let body = body.unwrap_or_default();
        let form = OAuthForm::parse(body.as_bytes());
        prop_assert!(form.is_ok(), "{body:?}");
        if let Ok(form) = form {
            for (name, value) in &params {
                let expected = Some(value.as_str()).filter(|v| !v.is_empty());
                prop_assert_eq!(form.get(name), expected);
                prop_assert_eq!(form.require(name).ok(), expected);
            }
            let non_empty: HashMap<String, String> =
                params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
            prop_assert_eq!(form.into_map(), non_empty);
        }
    }

    /// Percent-encoding any byte of a value instead of writing it as is changes nothing.
    #[test]
    fn percent_encoding_is_transparent(value in "[a-zA-Z0-9._~-]{1,20}", mask in any::<u32>()) {
        let encoded: String = value
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                if (mask >> i) & 1 == 1 {
                    format!("%{b:02X}")
                } else {
                    char::from(b).to_string()
                }
            })
            .collect();
        let form = OAuthForm::parse(format!("v={encoded}").as_bytes());
        prop_assert!(form.is_ok());
        if let Ok(form) = form {
            prop_assert_eq!(form.get("v"), Some(value.as_str()));
        }
    }

    /// A parameter repeated anywhere in the body is `invalid_request` (OAuth 2.1 §3.2),
    /// whatever its values, even empty ones.
    #[test]
    fn repeated_parameters_are_refused(
        params in parameters(),
        name in "[a-z_]{1,12}",
        first in any::<String>(),
        second in any::<String>(),
    ) {
        let mut pairs: Vec<(String, String)> =
            params.into_iter().filter(|(k, _)| *k != name).collect();
        pairs.insert(0, (name.clone(), first));
        pairs.push((name, second));
        let body = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let refused = OAuthForm::parse(body.as_bytes()).map(|_| ()).map_err(|e| e.code());
        prop_assert_eq!(refused, Err(OAuthErrorCode::InvalidRequest));
    }

    /// A body that is not UTF-8 is `invalid_request`.
    #[test]
    fn invalid_utf8_is_refused(prefix in "[a-z=&]{0,10}", suffix in "[a-z=&]{0,10}", bad in 0x80u8..=0xff) {
        let mut body = prefix.into_bytes();
        body.push(bad);
        prop_assume!(std::str::from_utf8(&body).is_err());
        body.extend(suffix.into_bytes());
        let refused = OAuthForm::parse(&body).map(|_| ()).map_err(|e| e.code());
        prop_assert_eq!(refused, Err(OAuthErrorCode::InvalidRequest));
    }

    /// No body makes the parser panic.
    #[test]
    fn parse_never_panics(body in proptest::collection::vec(any::<u8>(), 0..200), text in any::<String>()) {
        let _ = OAuthForm::parse(&body);
        let _ = OAuthForm::parse(text.as_bytes());
    }
}
