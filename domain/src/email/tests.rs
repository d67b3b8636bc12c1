use super::*;

#[test]
fn accepts_ordinary_addresses_and_lowercases_them_whole() {
    assert_eq!(
        Email::parse("Ann.Lee+x@Example.COM").unwrap().as_str(),
        "ann.lee+x@example.com"
    );
    assert_eq!(Email::parse("a@b.co").unwrap().local_part(), "a");
}

#[test]
fn email_case_is_one_account() {
    let a = Email::parse("Alice@X.com").unwrap();
    assert_eq!(a, Email::parse("alice@x.com").unwrap());
    assert_eq!(a, Email::parse("ALICE@X.COM").unwrap());
    assert_eq!(a.as_str(), "alice@x.com");
}

#[test]
fn email_unicode_form_is_one_account() {
    // Precomposed and decomposed "Zoë", with and without a capital.
    let composed = Email::parse("Zo\u{eb}@example.com").unwrap();
    let decomposed = Email::parse("zoe\u{308}@example.com").unwrap();
    assert_eq!(composed, decomposed);
    assert_eq!(composed.as_str(), "zo\u{eb}@example.com");
    // Non-ASCII capitals and domains fold too.
    assert_eq!(
        Email::parse("\u{c4}rger@B\u{dc}RO.de").unwrap().as_str(),
        "\u{e4}rger@b\u{fc}ro.de"
    );
}

#[test]
fn rejects_malformed_addresses() {
    for bad in [
        "",
        "plain",
        "@example.com",
        "a@",
        "a@b",
        "a@.com",
        "a@b..com",
        "a b@c.com",
        " a@b.com",
        "a@b.com ",
        ".a@b.com",
        "a.@b.com",
        "a..b@c.com",
        "a@-b.com",
        "a@b-.com",
        "a\"b@c.com",
        "a@b@c.com",
        "a@b_c.com",
    ] {
        assert!(Email::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn enforces_length_limits() {
    let local = "a".repeat(65);
    assert_eq!(
        Email::parse(&format!("{local}@b.com")),
        Err(EmailError::TooLong)
    );
    let long = format!("a@{}.com", "b".repeat(250));
    assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
}
