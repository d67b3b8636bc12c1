//! The repository contract of the console dashboard's counts, on the in-memory store, SQLite
//! and PostgreSQL: audit events counted per hour, action and outcome inside the window only;
//! live browser sessions; accounts locked now, soonest to unlock first.

use tessera_application::ports::{HourlyCount, LockedAccount};
use tessera_domain::{
    AuditAction, AuditEvent, AuditOutcome, BrowserSession, Email, LoginAttempts, TokenDigest,
    UnixTime, User, UserId,
};
use tessera_tests::{all_backends, TestBackend};

fn event(at: i64, action: AuditAction, outcome: AuditOutcome) -> AuditEvent {
    AuditEvent::new(UnixTime::from_secs(at), action, outcome)
}

fn user(n: u8, locked_until: Option<i64>) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("stats{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        created_at: UnixTime::from_secs(1),
        disabled: false,
        login_attempts: LoginAttempts {
            failed: 0,
            locked_until: locked_until.map(UnixTime::from_secs),
            lockouts: u32::from(locked_until.is_some()),
        },
    }
}

async fn audit_events_are_counted_per_hour(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let h = 500_000 * 3600;
    db.audit()
        .insert_batch(&[
            event(h + 1, AuditAction::LoginSucceeded, AuditOutcome::Success),
            event(h + 3599, AuditAction::LoginSucceeded, AuditOutcome::Success),
            event(h + 3600, AuditAction::LoginSucceeded, AuditOutcome::Success),
            event(h + 10, AuditAction::LoginFailed, AuditOutcome::Failure),
            event(h + 20, AuditAction::TokenIssued, AuditOutcome::Success),
            event(h + 30, AuditAction::KeyRotated, AuditOutcome::Success),
            event(h - 1, AuditAction::TokenIssued, AuditOutcome::Success),
            event(h + 7200, AuditAction::TokenIssued, AuditOutcome::Success),
        ])
        .await
        .unwrap();
    let mut counts = db
        .console_statistics()
        .hourly_counts(
            &[
                AuditAction::LoginSucceeded,
                AuditAction::LoginFailed,
                AuditAction::TokenIssued,
            ],
            UnixTime::from_secs(h),
            UnixTime::from_secs(h + 7200),
        )
        .await
        .unwrap();
    counts.sort_by_key(|c| (c.hour, c.action.as_str(), c.outcome.as_str()));
    let count = |hour, action, outcome, count| HourlyCount {
        hour,
        action,
        outcome,
        count,
    };
    assert_eq!(
        counts,
        vec![
            count(h, AuditAction::LoginFailed, AuditOutcome::Failure, 1),
            count(h, AuditAction::LoginSucceeded, AuditOutcome::Success, 2),
            count(h, AuditAction::TokenIssued, AuditOutcome::Success, 1),
            count(
                h + 3600,
                AuditAction::LoginSucceeded,
                AuditOutcome::Success,
                1
            ),
        ]
    );
}
all_backends!(hourly_counts, audit_events_are_counted_per_hour);

async fn live_sessions_and_current_locks_are_counted(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let stats = db.console_statistics();
    let now = UnixTime::from_secs(10_000);
    assert_eq!(stats.active_sessions(now).await.unwrap(), 0);
    assert_eq!(
        stats.locked_accounts(now, 10).await.unwrap(),
        (0, Vec::new())
    );
    let (a, b, c, d) = (
        user(1, Some(20_000)),
        user(2, Some(15_000)),
        user(3, Some(9_000)),
        user(4, None),
    );
    for u in [&a, &b, &c, &d] {
        db.users().insert(u).await.unwrap();
    }
    for (n, expires) in [(1_u8, 20_000), (2, 10_000), (3, 30_000)] {
        db.sessions()
            .insert(&BrowserSession {
                digest: TokenDigest::of(&format!("session-{n}")),
                sid: format!("sid-{n}"),
                user_id: d.id.clone(),
                auth_time: UnixTime::from_secs(1_000),
                expires_at: UnixTime::from_secs(expires),
                amr: Default::default(),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        stats.active_sessions(now).await.unwrap(),
        2,
        "expired at 10000 is over"
    );
    let locked = |u: &User, until| LockedAccount {
        id: u.id.clone(),
        email: u.email.as_str().to_owned(),
        locked_until: UnixTime::from_secs(until),
    };
    assert_eq!(
        stats.locked_accounts(now, 10).await.unwrap(),
        (2, vec![locked(&b, 15_000), locked(&a, 20_000)])
    );
    assert_eq!(
        stats.locked_accounts(now, 1).await.unwrap(),
        (2, vec![locked(&b, 15_000)])
    );
}
all_backends!(
    sessions_and_locks,
    live_sessions_and_current_locks_are_counted
);
