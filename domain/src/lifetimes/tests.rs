use super::*;

#[test]
fn defaults_respect_the_standards() {
    let l = TokenLifetimes::default();
    assert!(
        l.authorization_code <= 600,
        "AS-17: codes live at most 10 minutes"
    );
    assert!(l.refresh_idle < l.refresh_absolute);
    assert_eq!(l.max_signed_token_lifetime(), 3630);
}
