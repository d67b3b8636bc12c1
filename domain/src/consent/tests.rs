use super::*;

#[test]
fn covers_subsets_only() {
    let c = Consent {
        resources: Vec::new(),
        user_id: UserId::from_random([1; 16]),
        client_id: ClientId::parse("app").unwrap(),
        scope: ScopeSet::parse("openid email").unwrap(),
        granted_at: UnixTime::from_secs(0),
    };
    assert!(c.covers(&ScopeSet::parse("openid").unwrap()));
    assert!(c.covers(&ScopeSet::parse("email openid").unwrap()));
    assert!(!c.covers(&ScopeSet::parse("openid profile").unwrap()));
}
