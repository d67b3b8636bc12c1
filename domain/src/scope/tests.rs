use super::*;

fn set(s: &str) -> ScopeSet {
    ScopeSet::parse(s).unwrap()
}

#[test]
fn parses_and_prints_canonically() {
    assert_eq!(set("write read read").to_string(), "read write");
    assert!(set("").is_empty());
    assert!(set("openid").contains("openid"));
}

#[test]
fn rejects_bad_separators() {
    for bad in [" read", "read ", "read  write", " "] {
        assert_eq!(ScopeSet::parse(bad), Err(ScopeError::Separator), "{bad:?}");
    }
}

#[test]
fn rejects_characters_outside_the_abnf() {
    for bad in ["a\"b", "a\\b", "a\tb", "é", "a\u{7f}"] {
        assert!(
            matches!(ScopeSet::parse(bad), Err(ScopeError::InvalidToken(_))),
            "{bad:?}"
        );
    }
    // The edges of the allowed ranges.
    assert!(ScopeSet::parse("! # [ ] ~").is_ok());
}

#[test]
fn rejects_huge_input() {
    assert_eq!(
        ScopeSet::parse(&"a ".repeat(3000)),
        Err(ScopeError::TooLong)
    );
}

#[test]
fn narrowing_never_widens() {
    let granted = set("read write");
    assert_eq!(granted.narrow_to(None).unwrap(), granted);
    assert_eq!(granted.narrow_to(Some(&set(""))).unwrap(), granted);
    assert_eq!(granted.narrow_to(Some(&set("read"))).unwrap(), set("read"));
    assert_eq!(
        granted.narrow_to(Some(&set("read admin"))),
        Err(ScopeError::Exceeds("admin".into()))
    );
    assert!(set("read").is_subset_of(&granted));
    assert!(!set("admin").is_subset_of(&granted));
}
