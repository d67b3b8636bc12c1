use super::*;

#[test]
fn plus_saturates_instead_of_overflowing() {
    assert_eq!(UnixTime::from_secs(i64::MAX).plus(10).as_secs(), i64::MAX);
    assert_eq!(UnixTime::from_secs(5).plus(10).as_secs(), 15);
}

#[test]
fn ordering_follows_seconds() {
    assert!(UnixTime::from_secs(1).is_before(UnixTime::from_secs(2)));
    assert!(!UnixTime::from_secs(2).is_before(UnixTime::from_secs(2)));
}
