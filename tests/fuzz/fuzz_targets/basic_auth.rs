//! The HTTP Basic client credentials reader (adapters `http::client_auth`): no header value
//! panics; an accepted one names a non-empty client id; any id and secret, encoded the way
//! RFC 6749 §2.3.1 says (form-urlencode each, join with `:`, base64), reads back exactly.
//! Also the unverified `iss`/`sub` reader of client assertions: no panic, never empty.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use tessera_adapters::http::fuzzing::{parse_basic, unverified_subject};

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(s: &str) -> String {
    let encoded = serde_urlencoded::to_string(&[("v", s)]).expect("encodes");
    encoded.strip_prefix("v=").unwrap_or_default().to_owned()
}

fn basic(id: &str, secret: &str) -> String {
    let joined = format!("{}:{}", form_encode(id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(joined)
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some((id, secret)) = parse_basic(&text) {
        assert!(!id.is_empty());
        assert_eq!(parse_basic(&basic(&id, &secret)), Some((id, secret)));
    }
    let (id, secret) = tessera_fuzz::two_strings(data);
    let parsed = parse_basic(&basic(&id, &secret));
    if id.is_empty() {
        assert_eq!(parsed, None);
    } else {
        assert_eq!(parsed, Some((id, secret)));
    }
    if let Some(subject) = unverified_subject(&tessera_fuzz::token(data)) {
        assert!(!subject.is_empty());
    }
});
