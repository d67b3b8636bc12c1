//! The OAuth form parser (adapters `http::form`): no body panics; a body it accepts holds no
//! repeated single-valued parameter, reads empty values as absent, and survives re-encoding:
//! what it parsed, written again by an encoder, parses to the same parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use tessera_adapters::http::fuzzing::{OAuthForm, REPEATABLE};

fuzz_target!(|data: &[u8]| {
    let Ok(form) = OAuthForm::parse(data) else {
        return;
    };
    let raw: Vec<(String, String)> =
        serde_urlencoded::from_bytes(data).expect("accepted body decodes");
    let mut seen = HashMap::new();
    for (name, value) in &raw {
        if REPEATABLE.contains(&name.as_str()) {
            continue;
        }
        assert!(
            seen.insert(name.clone(), value.clone()).is_none(),
            "{name:?} repeated yet accepted"
        );
        assert_eq!(
            form.get(name),
            Some(value.as_str()).filter(|v| !v.is_empty())
        );
        assert_eq!(form.require(name).ok(), form.get(name));
    }
    for name in REPEATABLE {
        let expected: Vec<&str> = raw
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(form.get_all(name), expected);
        assert_eq!(form.get(name), None);
    }
    let map = OAuthForm::parse(data).expect("parses twice").into_map();
    let pairs = form.into_pairs();
    assert!(pairs.iter().all(|(_, v)| !v.is_empty()));
    let again = serde_urlencoded::to_string(&pairs).expect("encodes");
    let reparsed = OAuthForm::parse(again.as_bytes()).expect("re-encoded form parses");
    assert_eq!(reparsed.into_map(), map);
});
