use super::*;
use crate::ports::{
    MockEmailTokenRepository, MockPasswordHasher, MockSessionRepository, MockUserRepository,
    PasswordCheck,
};
use crate::services::email_links::tests::sign_out;
use crate::services::test_support::{self as ts, Recorder};
use crate::services::AccountsDeps;
use tessera_domain::{AuditEvent, LockoutPolicy, LoginAttempts, PasswordPolicy, UnixTime};

fn ctx() -> RequestContext {
    RequestContext::internal(UnixTime::from_secs(NOW))
}

/// Audits into a recorder.
fn audited(s: AccountSettings) -> (AccountSettings, Recorder<AuditEvent>) {
    let events = Recorder::default();
    let mut audit = crate::ports::MockAuditLog::new();
    let e = events.clone();
    audit.expect_record().returning(move |ev| e.push(ev));
    (s.with_audit(Arc::new(audit)), events)
}

const NOW: i64 = 80_000;
const CURRENT: &str = "correct horse battery staple";
const NEW: &str = "a long and quite unusual passphrase";

/// A hasher whose checks answer `matches` and whose hashes are recorded.
fn hasher(matches: bool, hashes: usize) -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_dummy_hash()
        .return_const("$argon2id$dummy".to_owned());
    hasher.expect_verify().returning(move |_, _| {
        Ok(PasswordCheck {
            matches,
            needs_rehash: false,
        })
    });
    hasher
        .expect_hash()
        .times(hashes)
        .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
    hasher
}

/// Users where Alice is found, with `attempts`, failures counted.
fn users(attempts: LoginAttempts) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users.expect_find_by_email().returning(move |_| {
        let mut u = ts::user();
        u.login_attempts = attempts;
        Ok(Some(u))
    });
    users
        .expect_record_login_failure()
        .returning(move |_, now, policy| Ok(attempts.after_failure(now, &policy)));
    users.expect_reset_login_failures().returning(|_| Ok(()));
    users
}

fn settings(
    users: MockUserRepository,
    hasher: MockPasswordHasher,
    email_tokens: MockEmailTokenRepository,
    signed_out: usize,
) -> AccountSettings {
    let users: Arc<dyn UserRepository> = Arc::new(users);
    let hasher: Arc<dyn PasswordHasher> = Arc::new(hasher);
    let mut sessions = MockSessionRepository::new();
    sessions.expect_insert().never();
    let accounts = Arc::new(Accounts::new(AccountsDeps {
        users: users.clone(),
        sessions: Arc::new(sessions),
        hasher: hasher.clone(),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        policy: PasswordPolicy::default(),
        session_ttl: 3_600,
        lockout: LockoutPolicy::default(),
    }));
    AccountSettings::new(
        accounts,
        users,
        Arc::new(email_tokens),
        hasher,
        sign_out(signed_out),
        PasswordPolicy::default(),
    )
}

#[tokio::test]
async fn names_are_checked_then_stored() {
    let names: Recorder<Option<String>> = Recorder::default();
    let mut repo = MockUserRepository::new();
    let n = names.clone();
    repo.expect_update_name()
        .times(2)
        .returning(move |_, name| {
            n.push(name);
            Ok(true)
        });
    let s = settings(repo, hasher(true, 0), MockEmailTokenRepository::new(), 0);
    let u = s
        .update_name(&ts::user(), Some("Alice B".into()))
        .await
        .unwrap();
    assert_eq!(u.name.as_deref(), Some("Alice B"));
    assert_eq!(s.update_name(&ts::user(), None).await.unwrap().name, None);
    for bad in ["", " ", "a\u{0}b"] {
        assert!(matches!(
            s.update_name(&ts::user(), Some(bad.into())).await,
            Err(AccountChangeError::Name)
        ));
    }
    assert_eq!(names.all(), vec![Some("Alice B".to_owned()), None]);
}

#[tokio::test]
async fn a_password_change_stores_the_new_hash_and_signs_out_everywhere() {
    let mut repo = users(LoginAttempts::default());
    repo.expect_update_password_hash()
        .withf(|_, phc| phc == "$argon2id$v=19$new")
        .times(1)
        .returning(|_, _| Ok(()));
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_delete_for_user()
        .withf(|_, p| *p == EmailTokenPurpose::ResetPassword)
        .times(1)
        .returning(|_, _| Ok(0));
    let s = settings(repo, hasher(true, 1), tokens, 1);
    s.change_password(
        &ctx(),
        &ts::user(),
        CURRENT.to_owned().into(),
        NEW.to_owned().into(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_counts_as_a_failure() {
    let failures: Recorder<()> = Recorder::default();
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_email()
        .returning(|_| Ok(Some(ts::user())));
    let f = failures.clone();
    repo.expect_record_login_failure()
        .returning(move |_, now, policy| {
            f.push(());
            Ok(LoginAttempts::default().after_failure(now, &policy))
        });
    repo.expect_update_password_hash().never();
    let s = settings(repo, hasher(false, 0), MockEmailTokenRepository::new(), 0);
    let r = s
        .change_password(
            &ctx(),
            &ts::user(),
            "wrong".to_owned().into(),
            NEW.to_owned().into(),
        )
        .await;
    assert!(matches!(r, Err(AccountChangeError::WrongPassword)), "{r:?}");
    assert_eq!(failures.all().len(), 1);
}

/// The lockout applies here too: a locked account is refused whatever the password.
#[tokio::test]
async fn a_locked_account_cannot_change_its_password() {
    let policy = LockoutPolicy::default();
    let mut locked = LoginAttempts::default();
    for _ in 0..policy.threshold {
        locked = locked.after_failure(UnixTime::from_secs(NOW - 1), &policy);
    }
    let mut repo = users(locked);
    repo.expect_update_password_hash().never();
    let s = settings(repo, hasher(true, 0), MockEmailTokenRepository::new(), 0);
    let r = s
        .change_password(
            &ctx(),
            &ts::user(),
            CURRENT.to_owned().into(),
            NEW.to_owned().into(),
        )
        .await;
    assert!(
        matches!(r, Err(AccountChangeError::Locked { retry_after_secs }) if retry_after_secs > 0),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_weak_new_password_is_refused_before_any_check() {
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_email().never();
    repo.expect_record_login_failure().never();
    let s = settings(repo, hasher(true, 0), MockEmailTokenRepository::new(), 0);
    for weak in ["short", "alice-alice-alice-alice"] {
        let r = s
            .change_password(
                &ctx(),
                &ts::user(),
                CURRENT.to_owned().into(),
                weak.to_owned().into(),
            )
            .await;
        assert!(matches!(r, Err(AccountChangeError::Password(_))), "{r:?}");
    }
}

#[tokio::test]
async fn deleting_needs_the_password_then_revokes_and_deletes() {
    let mut repo = users(LoginAttempts::default());
    repo.expect_delete().times(1).returning(|_| Ok(true));
    let s = settings(repo, hasher(true, 0), MockEmailTokenRepository::new(), 1);
    s.delete_account(&ctx(), &ts::user(), CURRENT.to_owned().into())
        .await
        .unwrap();

    let mut repo = users(LoginAttempts::default());
    repo.expect_delete().never();
    let s = settings(repo, hasher(false, 0), MockEmailTokenRepository::new(), 0);
    assert!(matches!(
        s.delete_account(&ctx(), &ts::user(), "wrong".to_owned().into())
            .await,
        Err(AccountChangeError::WrongPassword)
    ));
}

#[tokio::test]
async fn settled_changes_are_audited_and_bad_input_is_not() {
    let mut repo = users(LoginAttempts::default());
    repo.expect_delete().times(1).returning(|_| Ok(true));
    let (s, events) = audited(settings(
        repo,
        hasher(true, 0),
        MockEmailTokenRepository::new(),
        1,
    ));
    s.delete_account(&ctx(), &ts::user(), CURRENT.to_owned().into())
        .await
        .unwrap();
    let e = events.only();
    assert_eq!(
        (e.action, e.outcome),
        (AuditAction::AccountDeleted, AuditOutcome::Success)
    );
    assert_eq!(e.actor.as_deref(), Some(ts::user().id.as_str()));
    assert_eq!(e.subject, e.actor);
    assert_eq!(e.at, UnixTime::from_secs(NOW));

    let mut repo = users(LoginAttempts::default());
    repo.expect_update_password_hash().never();
    let (s, events) = audited(settings(
        repo,
        hasher(false, 0),
        MockEmailTokenRepository::new(),
        0,
    ));
    let _ = s
        .change_password(
            &ctx(),
            &ts::user(),
            "wrong".to_owned().into(),
            NEW.to_owned().into(),
        )
        .await;
    let _ = s
        .change_password(
            &ctx(),
            &ts::user(),
            CURRENT.to_owned().into(),
            "short".to_owned().into(),
        )
        .await;
    let e = events.only();
    assert_eq!(
        (e.action, e.outcome),
        (AuditAction::PasswordChanged, AuditOutcome::Failure)
    );
}
