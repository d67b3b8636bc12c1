use super::*;

#[test]
fn the_delay_doubles_per_failure_and_stops_at_the_cap() {
    assert_eq!(retry_delay_secs(2, 1, 0), 2);
    assert_eq!(retry_delay_secs(2, 2, 0), 4);
    assert_eq!(retry_delay_secs(2, 5, 0), 32);
    assert_eq!(retry_delay_secs(2, 40, 0), MAX_RETRY_DELAY_SECS);
    assert_eq!(retry_delay_secs(0, 1, 0), 1, "a zero base still waits");
}

#[test]
fn jitter_adds_at_most_half_the_delay() {
    assert_eq!(retry_delay_secs(8, 1, 1000), 12);
    assert_eq!(retry_delay_secs(8, 1, 500), 10);
    assert_eq!(retry_delay_secs(8, 1, u16::MAX), 12);
}

#[test]
fn the_logout_token_has_the_event_and_no_nonce() {
    let claims = LogoutTokenClaims {
        iss: "https://id.example".into(),
        aud: "app".into(),
        iat: 10,
        exp: 130,
        jti: "j".into(),
        events: LogoutEvents::default(),
        sub: Some("u".into()),
        sid: None,
    };
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(
        json["events"][BACKCHANNEL_LOGOUT_EVENT],
        serde_json::json!({})
    );
    assert_eq!(json["sub"], "u");
    assert!(json.get("sid").is_none());
    assert!(json.get("nonce").is_none());
}
