use super::*;

#[test]
fn action_names_round_trip_and_are_distinct() {
    let mut seen = std::collections::HashSet::new();
    for action in AuditAction::ALL {
        assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        assert_eq!(action.to_string(), action.as_str());
        assert!(seen.insert(action.as_str()), "{action} twice");
        assert!(action
            .as_str()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_'));
    }
    assert_eq!(AuditAction::LoginSucceeded.as_str(), "login_succeeded");
    assert_eq!(
        AuditAction::RefreshTokenReuse.as_str(),
        "refresh_token_reuse"
    );
    assert_eq!(AuditAction::parse("Login_Succeeded"), None);
    assert_eq!(AuditAction::parse(""), None);
}

#[test]
fn outcome_names_round_trip() {
    for outcome in [AuditOutcome::Success, AuditOutcome::Failure] {
        assert_eq!(AuditOutcome::parse(outcome.as_str()), Some(outcome));
        assert_eq!(outcome.to_string(), outcome.as_str());
    }
    assert_eq!(AuditOutcome::parse("ok"), None);
}

#[test]
fn builder_sets_fields() {
    let e = AuditEvent::new(
        UnixTime::from_secs(7),
        AuditAction::TokenIssued,
        AuditOutcome::Success,
    )
    .actor("admin")
    .subject("user-1")
    .client("app")
    .ip("203.0.113.9")
    .detail("grant=client_credentials");
    assert_eq!(e.at, UnixTime::from_secs(7));
    assert_eq!(e.actor.as_deref(), Some("admin"));
    assert_eq!(e.subject.as_deref(), Some("user-1"));
    assert_eq!(e.client_id.as_deref(), Some("app"));
    assert_eq!(e.ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(e.detail.as_deref(), Some("grant=client_credentials"));
}

#[test]
fn control_characters_are_stripped() {
    let e = AuditEvent::new(
        UnixTime::from_secs(1),
        AuditAction::LoginFailed,
        AuditOutcome::Failure,
    )
    .actor("eve\nINFO audit action=login_succeeded\r\u{1b}[31m")
    .subject("a\u{2028}b\u{202E}c\u{0}")
    .client("\n\t");
    assert_eq!(
        e.actor.as_deref(),
        Some("eveINFO audit action=login_succeeded[31m")
    );
    assert_eq!(e.subject.as_deref(), Some("abc"));
    assert_eq!(e.client_id, None, "nothing left means unset");
}

#[test]
fn long_fields_are_clamped_on_a_char_boundary() {
    let e = AuditEvent::new(
        UnixTime::from_secs(1),
        AuditAction::AdminAction,
        AuditOutcome::Success,
    )
    .detail("é".repeat(10_000))
    .ip("x".repeat(MAX_AUDIT_FIELD_CHARS));
    assert_eq!(
        e.detail.as_deref().unwrap().chars().count(),
        MAX_AUDIT_FIELD_CHARS
    );
    assert_eq!(e.ip.as_deref().unwrap().len(), MAX_AUDIT_FIELD_CHARS);
}

#[test]
fn sanitized_cleans_fields_set_directly() {
    let mut e = AuditEvent::new(
        UnixTime::from_secs(1),
        AuditAction::KeyRotated,
        AuditOutcome::Success,
    );
    e.detail = Some("a\nb".into());
    e.actor = Some(String::new());
    let e = e.sanitized();
    assert_eq!(e.detail.as_deref(), Some("ab"));
    assert_eq!(e.actor, None);
}
