use super::*;

fn pending(now: i64) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: TokenDigest::of("device"),
        user_code: TokenDigest::of("BCDFGHJK"),
        client_id: ClientId::parse("tv").expect("client id"),
        scope: ScopeSet::parse("openid").expect("scope"),
        resources: Vec::new(),
        status: DeviceStatus::Pending,
        approval: None,
        interval: 5,
        last_polled_at: None,
        created_at: UnixTime::from_secs(now),
        expires_at: UnixTime::from_secs(now + 600),
    }
}

#[test]
fn user_codes_ignore_case_spaces_and_hyphens() {
    let code = UserCode::parse("bcdf-ghjk").expect("valid");
    assert_eq!(code.as_str(), "BCDFGHJK");
    assert_eq!(code.display(), "BCDF-GHJK");
    assert_eq!(UserCode::parse(" BCDF ghjk ").expect("valid"), code);
    assert_eq!(UserCode::parse("B-C-D-F-G-H-J-K").expect("valid"), code);
}

#[test]
fn user_codes_refuse_vowels_digits_and_wrong_lengths() {
    for bad in [
        "",
        "BCDFGHJ",
        "BCDFGHJKL",
        "ABCDFGHJ",
        "BCDF-GHJ0",
        "BCDF_GHJK",
        "ÉCDFGHJK",
    ] {
        assert_eq!(UserCode::parse(bad), Err(UserCodeError), "{bad:?}");
    }
    assert!(UserCode::parse(&"B".repeat(100)).is_err());
}

#[test]
fn user_codes_from_random_bytes_skip_biased_bytes() {
    let code = UserCode::from_random(&[0, 250, 1, 2, 3, 4, 5, 6, 19]).expect("eight usable");
    assert_eq!(code.as_str(), "BCDFGHJZ");
    assert!(UserCode::from_random(&[255; 32]).is_none());
    assert!(UserCode::from_random(&[1; 7]).is_none());
}

#[test]
fn user_code_digest_is_of_the_normalised_form_and_debug_hides_it() {
    let a = UserCode::parse("bcdf-ghjk").expect("valid");
    assert_eq!(a.digest(), TokenDigest::of("BCDFGHJK"));
    assert_eq!(format!("{a:?}"), "UserCode(..)");
}

#[test]
fn statuses_round_trip() {
    for s in [
        DeviceStatus::Pending,
        DeviceStatus::Approved,
        DeviceStatus::Denied,
        DeviceStatus::Redeemed,
    ] {
        assert_eq!(DeviceStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(DeviceStatus::parse("other"), None);
}

#[test]
fn polling_faster_than_the_interval_is_too_soon_and_slowing_adds_five_seconds() {
    let mut d = pending(1000);
    assert!(!d.polled_too_soon(UnixTime::from_secs(1000)), "first poll");
    d.last_polled_at = Some(UnixTime::from_secs(1000));
    assert!(d.polled_too_soon(UnixTime::from_secs(1004)));
    assert!(!d.polled_too_soon(UnixTime::from_secs(1005)));
    assert_eq!(d.slowed_interval(), 10);
}

#[test]
fn expiry_and_decisions() {
    let mut d = pending(1000);
    assert!(d.awaits_decision(UnixTime::from_secs(1599)));
    assert!(d.is_expired(UnixTime::from_secs(1600)));
    assert!(!d.awaits_decision(UnixTime::from_secs(1600)));
    d.status = DeviceStatus::Denied;
    assert!(!d.awaits_decision(UnixTime::from_secs(1001)));
}
