use super::*;

#[test]
fn accepts_unreserved_characters() {
    assert_eq!(
        ClientId::parse("svc-1.a_b~c").unwrap().as_str(),
        "svc-1.a_b~c"
    );
}

#[test]
fn rejects_empty_and_too_long() {
    assert_eq!(ClientId::parse(""), Err(ClientIdError::Length));
    assert_eq!(
        ClientId::parse(&"a".repeat(129)),
        Err(ClientIdError::Length)
    );
    assert!(ClientId::parse(&"a".repeat(128)).is_ok());
}

#[test]
fn rejects_reserved_and_control_characters() {
    for bad in ["a b", "a:b", "a/b", "a%20", "é", "a\n", "a+b"] {
        assert_eq!(ClientId::parse(bad), Err(ClientIdError::Charset), "{bad:?}");
    }
}

#[test]
fn as_30_client_id_cannot_collide_with_a_user_sub() {
    let user_like = "0b5e1c2a-7d4f-4e8a-9c3b-2f1e0d9c8b7a";
    assert_eq!(
        ClientId::parse(user_like),
        Err(ClientIdError::LooksLikeUserId)
    );
}
