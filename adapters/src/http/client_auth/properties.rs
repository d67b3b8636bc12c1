//! Property tests of the HTTP Basic reader and the unverified assertion subject (the same
//! properties as the `basic_auth` fuzz target): any client id and secret encoded as RFC 6749
//! §2.3.1 says read back exactly, whatever the scheme's case; an empty id, a missing colon
//! or another scheme is refused; an assertion names its client only when `iss` equals `sub`;
//! no header value panics.

use super::*;
use proptest::prelude::*;
use secrecy::ExposeSecret;

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(s: &str) -> String {
    let encoded = serde_urlencoded::to_string([("v", s)]).unwrap_or_default();
    encoded.strip_prefix("v=").unwrap_or_default().to_owned()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn read(value: &str) -> Option<(String, String)> {
    parse_basic(Some(value)).map(|(id, secret)| (id, secret.expose_secret().to_owned()))
}

proptest! {
    /// Encoded credentials round-trip; an empty id is refused.
    #[test]
    fn encoded_credentials_round_trip(
        id in any::<String>(),
        secret in any::<String>(),
        scheme in prop_oneof![Just("Basic"), Just("basic"), Just("BASIC")],
    ) {
        let value = format!("{scheme} {}", b64(&format!("{}:{}", form_encode(&id), form_encode(&secret))));
        let expected = (!id.is_empty()).then(|| (id.clone(), secret.clone()));
        prop_assert_eq!(read(&value), expected);
    }

    /// Without a colon in the decoded text, or under another scheme, nothing is read.
    #[test]
    fn shape_and_scheme_are_enforced(
        text in "[^:]{0,30}",
        scheme in "[A-Za-z]{1,8}",
        id in "[a-z]{1,8}",
    ) {
        prop_assert_eq!(read(&format!("Basic {}", b64(&text))), None);
        prop_assume!(!scheme.eq_ignore_ascii_case("basic"));
        prop_assert_eq!(read(&format!("{scheme} {}", b64(&format!("{id}:s")))), None);
    }

    /// An assertion names its client only through equal, non-empty `iss` and `sub`.
    #[test]
    fn assertion_subject_needs_iss_equal_to_sub(iss in ".{0,10}", sub in ".{0,10}") {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::json!({"iss": iss, "sub": sub}).to_string());
        let jwt = format!("e30.{payload}.c2ln");
        let expected = (iss == sub && !iss.is_empty()).then(|| iss.clone());
        prop_assert_eq!(unverified_subject(&jwt), expected);
    }

    /// No header value or token panics.
    #[test]
    fn nothing_panics(value in any::<String>(), encoded in any::<String>()) {
        let _ = read(&value);
        let _ = read(&format!("Basic {}", b64(&encoded)));
        let _ = unverified_subject(&value);
    }
}
