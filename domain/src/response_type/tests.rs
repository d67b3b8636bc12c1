use super::*;

#[test]
fn only_code_is_accepted() {
    assert_eq!(ResponseType::parse("code").unwrap(), ResponseType::Code);
}

#[test]
fn as_20_implicit_and_hybrid_are_unsupported() {
    for s in [
        "token",
        "id_token",
        "id_token token",
        "code id_token",
        "code token",
        "none",
    ] {
        assert!(
            matches!(
                ResponseType::parse(s),
                Err(ResponseTypeError::Unsupported(_))
            ),
            "{s}"
        );
    }
    for s in ["", "Code", "foo", "code  token"] {
        assert!(
            matches!(ResponseType::parse(s), Err(ResponseTypeError::Invalid(_))),
            "{s:?}"
        );
    }
}
