use super::*;

fn token(purpose: EmailTokenPurpose) -> EmailToken {
    EmailToken::new(
        TokenDigest::of("t"),
        UserId::from_random([2; 16]),
        purpose,
        Email::parse("a@example.com").unwrap(),
        UnixTime::from_secs(1_000),
    )
}

#[test]
fn verification_links_last_a_day() {
    let t = token(EmailTokenPurpose::VerifyEmail);
    assert!(!t.is_expired(UnixTime::from_secs(1_000 + 86_399)));
    assert!(t.is_expired(UnixTime::from_secs(1_000 + 86_400)));
}

#[test]
fn reset_links_last_fifteen_minutes() {
    let t = token(EmailTokenPurpose::ResetPassword);
    assert!(!t.is_expired(UnixTime::from_secs(1_000 + 899)));
    assert!(t.is_expired(UnixTime::from_secs(1_000 + 900)));
}

#[test]
fn purposes_round_trip_and_unknown_names_fail() {
    for p in [
        EmailTokenPurpose::VerifyEmail,
        EmailTokenPurpose::ResetPassword,
    ] {
        assert_eq!(EmailTokenPurpose::parse(p.as_str()), Some(p));
    }
    assert_eq!(EmailTokenPurpose::parse("login"), None);
}
