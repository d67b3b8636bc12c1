use super::*;
use proptest::prelude::*;

#[test]
fn accepts_absolute_uris() {
    for ok in [
        "https://api.example.com",
        "https://api.example.com/mcp",
        "http://127.0.0.1:9000/mcp",
        "https://api.example.com/v1?tenant=a",
        "urn:example:billing",
    ] {
        assert_eq!(ResourceIdentifier::parse(ok).unwrap().as_str(), ok);
    }
}

#[test]
fn refuses_what_rfc_8707_forbids() {
    assert_eq!(
        ResourceIdentifier::parse("https://api.example.com/#x"),
        Err(ResourceError::Fragment)
    );
    for bad in [
        "api",
        "/relative",
        "",
        "1http://x",
        "https://",
        "https:///path",
        "https://u@h",
    ] {
        assert_eq!(
            ResourceIdentifier::parse(bad),
            Err(ResourceError::NotAbsolute),
            "{bad:?}"
        );
    }
    assert_eq!(
        ResourceIdentifier::parse("https://a b"),
        Err(ResourceError::Characters)
    );
    let long = format!("https://a/{}", "x".repeat(MAX_RESOURCE_CHARS));
    assert_eq!(
        ResourceIdentifier::parse(&long),
        Err(ResourceError::TooLong)
    );
}

#[test]
fn audience_of_one_is_a_string_and_of_many_an_array() {
    let one = Audience::one("https://a");
    assert_eq!(serde_json::to_string(&one).unwrap(), r#""https://a""#);
    let many = Audience::many(vec!["https://a".into(), "https://b".into()]).unwrap();
    assert_eq!(
        serde_json::to_string(&many).unwrap(),
        r#"["https://a","https://b"]"#
    );
    assert_eq!(
        serde_json::from_str::<Audience>(r#""x""#).unwrap(),
        Audience::one("x")
    );
    assert_eq!(
        serde_json::from_str::<Audience>(r#"["https://a","https://b"]"#).unwrap(),
        many
    );
    assert!(serde_json::from_str::<Audience>("[]").is_err());
    assert!(Audience::many(vec![]).is_none());
}

#[test]
fn resource_names_are_checked() {
    let mut r = Resource {
        clients: Vec::new(),
        identifier: ResourceIdentifier::parse("https://a").unwrap(),
        name: "Billing API".into(),
        scope: crate::ScopeSet::parse("read write").unwrap(),
        created_at: crate::UnixTime::from_secs(0),
    };
    assert!(r.validate().is_ok());
    r.name = " ".into();
    assert_eq!(r.validate(), Err(ResourceError::Name));
}

proptest! {
    #[test]
    fn parsed_identifiers_never_hold_a_fragment_or_space(s in "\\PC{0,60}") {
        if let Ok(r) = ResourceIdentifier::parse(&s) {
            prop_assert!(!r.as_str().contains('#'));
            prop_assert!(!r.as_str().contains(' '));
            prop_assert_eq!(r.as_str(), s.as_str());
        }
    }
}

fn resource(id: &str, scope: &str) -> Resource {
    Resource {
        clients: Vec::new(),
        identifier: ResourceIdentifier::parse(id).unwrap(),
        name: id.into(),
        scope: crate::ScopeSet::parse(scope).unwrap(),
        created_at: crate::UnixTime::from_secs(0),
    }
}

#[test]
fn an_empty_target_changes_nothing() {
    let t = ResourceTarget::default();
    let scope = crate::ScopeSet::parse("openid read").unwrap();
    assert_eq!(t.cut_scope(&scope), scope);
    assert_eq!(
        t.audience("https://issuer"),
        Audience::one("https://issuer")
    );
}

#[test]
fn a_target_sets_the_audience_and_cuts_the_scope() {
    let t = ResourceTarget::new(vec![
        resource("https://a", "read"),
        resource("https://b", "write"),
        resource("https://a", "read"),
    ]);
    assert_eq!(t.resources().len(), 2);
    let scope = crate::ScopeSet::parse("openid read write admin").unwrap();
    assert_eq!(t.cut_scope(&scope).to_string(), "read write");
    assert_eq!(
        t.audience("https://issuer"),
        Audience::many(vec!["https://a".into(), "https://b".into()]).unwrap()
    );
}

#[test]
fn narrowing_picks_granted_resources_only() {
    let t = ResourceTarget::new(vec![
        resource("https://a", "read"),
        resource("https://b", "x"),
    ]);
    let a = ResourceIdentifier::parse("https://a").unwrap();
    let c = ResourceIdentifier::parse("https://c").unwrap();
    assert_eq!(t.narrow_to(&[]).unwrap(), t);
    assert_eq!(
        t.narrow_to(std::slice::from_ref(&a)).unwrap().identifiers(),
        vec![a.clone()]
    );
    assert!(t.narrow_to(&[a, c]).is_none());
}
