use super::*;

#[test]
fn a_password_alone_is_one_factor() {
    let m = AuthMethods::password();
    assert_eq!(m.amr(), vec!["pwd"]);
    assert_eq!(m.acr(), Acr::SingleFactor);
}

#[test]
fn a_password_and_a_code_are_two_factors() {
    let m = AuthMethods::password().with(AuthMethod::OneTimePassword);
    assert_eq!(m.amr(), vec!["pwd", "otp", "mfa"]);
    assert_eq!(m.acr(), Acr::MultiFactor);
}

#[test]
fn a_passkey_is_phishing_resistant_and_multi_factor() {
    let m = AuthMethods::passkey(false);
    assert_eq!(m.amr(), vec!["hwk", "user", "mfa"]);
    assert_eq!(m.acr(), Acr::PhishingResistant);
    assert_eq!(AuthMethods::passkey(true).amr(), vec!["swk", "user", "mfa"]);
    let after_password = AuthMethods::password().and(AuthMethods::passkey(false));
    assert_eq!(after_password.amr(), vec!["pwd", "hwk", "user", "mfa"]);
}

#[test]
fn stored_lists_round_trip_and_an_empty_one_is_a_password() {
    for m in [
        AuthMethods::password(),
        AuthMethods::password().with(AuthMethod::OneTimePassword),
        AuthMethods::passkey(true),
    ] {
        assert_eq!(AuthMethods::parse(&m.to_string()), Ok(m));
    }
    assert_eq!(AuthMethods::parse(""), Ok(AuthMethods::password()));
    assert!(AuthMethods::parse("pwd sms").is_err());
}

#[test]
fn acr_values_ask_for_the_weakest_known_value() {
    assert_eq!(Acr::requested("phr"), Some(Acr::PhishingResistant));
    assert_eq!(Acr::requested("phr mfa"), Some(Acr::MultiFactor));
    assert_eq!(Acr::requested("urn:unknown mfa"), Some(Acr::MultiFactor));
    assert_eq!(Acr::requested("urn:unknown"), None);
    assert!(Acr::PhishingResistant.satisfies(Acr::MultiFactor));
    assert!(!Acr::MultiFactor.satisfies(Acr::PhishingResistant));
    assert!(!Acr::SingleFactor.satisfies(Acr::MultiFactor));
}
