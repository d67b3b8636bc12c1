use super::*;

#[test]
fn issuers_must_be_https_or_loopback_http_without_query() {
    assert!(UpstreamIssuer::parse("https://accounts.example.com").is_ok());
    assert!(UpstreamIssuer::parse("https://example.com/realms/a").is_ok());
    assert!(UpstreamIssuer::parse("http://127.0.0.1:8080").is_ok());
    assert!(UpstreamIssuer::parse("http://localhost:1/").is_ok());
    assert!(UpstreamIssuer::parse("http://[::1]:9").is_ok());
    for bad in [
        "http://example.com",
        "https://example.com?x=1",
        "https://example.com#f",
        "https://user@example.com",
        "ftp://example.com",
        "https://",
        "https://exa mple.com",
        "http://127.0.0.1.evil.com",
    ] {
        assert_eq!(
            UpstreamIssuer::parse(bad),
            Err(UpstreamError::Issuer),
            "{bad}"
        );
    }
}

#[test]
fn ids_kinds_claims_and_subjects_are_checked() {
    let id = UpstreamId::from_random([7; 16]);
    assert_eq!(UpstreamId::parse(id.as_str()), Ok(id));
    assert!(UpstreamId::parse("nope").is_err());
    assert_eq!(UpstreamKind::parse("github"), Ok(UpstreamKind::Github));
    assert_eq!(
        UpstreamKind::parse("oidc").map(UpstreamKind::as_str),
        Ok("oidc")
    );
    assert!(UpstreamKind::parse("saml").is_err());
    assert_eq!(ClaimMapping::default().email(), "email");
    assert!(ClaimMapping::new("", "name").is_err());
    assert!(ClaimMapping::new("mail", "preferred_username").is_ok());
    assert!(UpstreamSubject::parse("").is_err());
    assert!(UpstreamSubject::parse("a\nb").is_err());
    assert!(UpstreamSubject::parse(&"x".repeat(256)).is_err());
    assert!(UpstreamSubject::parse("248289761001").is_ok());
    assert!(is_valid_upstream_name("Corporate SSO"));
    assert!(!is_valid_upstream_name(" "));
    assert!(is_valid_upstream_client_id("abc"));
    assert!(!is_valid_upstream_client_id("a b"));
}
