use super::*;

#[test]
fn now_is_after_2024() {
    assert!(UnixTime::from_secs(1_704_067_200).is_before(SystemClock.now()));
}
