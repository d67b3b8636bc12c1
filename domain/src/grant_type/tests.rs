use super::*;

#[test]
fn round_trips_every_grant() {
    for g in GrantType::ALL {
        assert_eq!(GrantType::parse(g.as_str()).unwrap(), g);
    }
}

#[test]
fn as_20_password_and_implicit_grants_do_not_exist() {
    for bad in ["password", "implicit", "token", "", "CLIENT_CREDENTIALS"] {
        assert!(GrantType::parse(bad).is_err(), "{bad:?}");
    }
}
