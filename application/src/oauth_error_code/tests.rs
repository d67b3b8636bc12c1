use super::OAuthErrorCode;
use std::collections::HashSet;

#[test]
fn wire_strings_are_distinct_and_in_the_rfc_alphabet() {
    let all: HashSet<_> = OAuthErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        all.len(),
        OAuthErrorCode::ALL.len(),
        "one wire string per variant"
    );
    assert_eq!(all.len(), 41);
    for code in &all {
        // RFC 6749 §5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ); ours are lower snake case.
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
    }
}

#[test]
fn display_is_the_wire_string() {
    assert_eq!(OAuthErrorCode::InvalidGrant.to_string(), "invalid_grant");
    assert_eq!(OAuthErrorCode::UseDpopNonce.to_string(), "use_dpop_nonce");
    assert_eq!(
        serde_json::to_string(&OAuthErrorCode::InvalidClient).unwrap(),
        "\"invalid_client\""
    );
}
