use super::*;

#[test]
fn transient_messages() {
    assert!(is_transient("canceling statement due to statement timeout"));
    assert!(is_transient("database is locked"));
    assert!(is_transient("database or disk is full"));
    assert!(is_transient(
        "could not extend file \"base/16384/2619\": No space left on device"
    ));
    assert!(!is_transient("syntax error at or near \"SELEC\""));
}
