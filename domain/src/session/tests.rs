use super::*;

fn session() -> BrowserSession {
    BrowserSession {
        sid: "sid-1".to_owned(),
        amr: crate::AuthMethods::password(),
        digest: TokenDigest::of("s"),
        user_id: UserId::from_random([1; 16]),
        auth_time: UnixTime::from_secs(100),
        expires_at: UnixTime::from_secs(200),
    }
}

#[test]
fn expiry() {
    assert!(!session().is_expired(UnixTime::from_secs(199)));
    assert!(session().is_expired(UnixTime::from_secs(200)));
}

#[test]
fn as_37_max_age() {
    let s = session();
    assert!(s.satisfies_max_age(None, UnixTime::from_secs(10_000)));
    assert!(s.satisfies_max_age(Some(60), UnixTime::from_secs(160)));
    assert!(!s.satisfies_max_age(Some(60), UnixTime::from_secs(161)));
    assert!(!s.satisfies_max_age(Some(0), UnixTime::from_secs(100)));
}
