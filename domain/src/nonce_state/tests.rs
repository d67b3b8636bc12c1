use super::*;

#[test]
fn accept_printable_ascii() {
    assert_eq!(
        Nonce::parse("n-0S6_WzA2Mj").unwrap().as_str(),
        "n-0S6_WzA2Mj"
    );
    assert_eq!(
        State::parse("af0ifjsldkj ~").unwrap().as_str(),
        "af0ifjsldkj ~"
    );
}

#[test]
fn refuse_empty_control_and_oversized() {
    assert!(Nonce::parse("").is_err());
    assert!(Nonce::parse("a\nb").is_err());
    assert!(Nonce::parse(&"a".repeat(513)).is_err());
    assert!(State::parse("é").is_err());
    assert!(State::parse(&"a".repeat(2049)).is_err());
    assert!(State::parse(&"a".repeat(2048)).is_ok());
}
