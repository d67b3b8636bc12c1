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

#[test]
fn accepts_metadata_document_urls() {
    for ok in [
        "https://notes.example.com/oauth/client.json",
        "https://notes.example.com:8443/c",
        "https://[2001:db8::1]/client",
        "http://127.0.0.1:4000/client.json",
        "http://localhost:4000/client.json",
        "http://[::1]/c",
    ] {
        let id = ClientId::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert!(id.is_metadata_document_url());
    }
    let id = ClientId::parse("https://notes.example.com:8443/c").unwrap();
    assert_eq!(id.url_host(), Some("notes.example.com:8443"));
    assert_eq!(ClientId::parse("svc").unwrap().url_host(), None);
    assert!(!ClientId::parse("svc").unwrap().is_metadata_document_url());
}

#[test]
fn refuses_urls_that_break_the_metadata_document_rules() {
    for bad in [
        "https://notes.example.com",
        "https://notes.example.com/",
        "https://notes.example.com/a/../b",
        "https://notes.example.com/./b",
        "https://notes.example.com/c#frag",
        "https://notes.example.com/c?x=1",
        "https://user@notes.example.com/c",
        "https:///c",
        "https://notes example.com/c",
        "https://notes.example.com/c d",
        "https://notes.example.com:99999/c",
        "http://notes.example.com/c",
        "http://10.0.0.1/c",
        "https://notes.example.com/*",
    ] {
        assert!(
            matches!(
                ClientId::parse(bad),
                Err(ClientIdError::Url(_) | ClientIdError::Charset)
            ),
            "{bad:?}: {:?}",
            ClientId::parse(bad)
        );
    }
    let long = format!("https://notes.example.com/{}", "a".repeat(2000));
    assert_eq!(ClientId::parse(&long), Err(ClientIdError::Length));
}

#[test]
fn ordinary_ids_still_refuse_colons_and_slashes() {
    for bad in [
        "ftp://x/y",
        "https:/x/y",
        "HTTPS://x.example/y",
        "a:b",
        "a/b",
    ] {
        assert_eq!(ClientId::parse(bad), Err(ClientIdError::Charset), "{bad:?}");
    }
}
