use super::*;
use crate::ports::{
    MockClock, MockPasswordHasher, MockRandomSource, MockSessionRepository, MockUserRepository,
};
use crate::services::test_support::{self as ts, Recorder, USER_ID};
use base64::Engine;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Mutex;
use tessera_domain::PasswordError;
use tessera_domain::UnixTime;

const NOW: i64 = 20_000;
const TTL: i64 = 3_600;
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXk$ZHVtbXk";
const NEW_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3";
const PASSWORD: &str = "correct horse battery staple";

struct Ports {
    users: MockUserRepository,
    sessions: MockSessionRepository,
    hasher: MockPasswordHasher,
    rng: Arc<MockRandomSource>,
}

fn accounts(p: Ports) -> Accounts {
    Accounts::new(AccountsDeps {
        users: Arc::new(p.users),
        sessions: Arc::new(p.sessions),
        hasher: Arc::new(p.hasher),
        clock: ts::clock_at(NOW),
        rng: p.rng,
        policy: PasswordPolicy::default(),
        session_ttl: TTL,
        lockout: LockoutPolicy::default(),
    })
}

/// Finds `user` by Alice's email; counting a failure and resetting succeed (each failure
/// counted on the state as found).
fn users_by_email(user: Option<User>) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    let found = user.as_ref().map(|u| u.login_attempts).unwrap_or_default();
    users
        .expect_find_by_email()
        .withf(|e| e.as_str() == "alice@example.com")
        .returning(move |_| Ok(user.clone()));
    users
        .expect_record_login_failure()
        .withf(|id, now, policy| {
            id.as_str() == USER_ID
                && *now == UnixTime::from_secs(NOW)
                && *policy == LockoutPolicy::default()
        })
        .returning(move |_, now, policy| Ok(found.after_failure(now, &policy)));
    users.expect_reset_login_failures().returning(|_| Ok(()));
    users
}

/// The hasher checks against `phc` (exactly once) and answers `check`.
fn verifying(
    phc: impl Into<String>,
    check: Result<PasswordCheck, HashError>,
) -> MockPasswordHasher {
    let phc = phc.into();
    let mut hasher = MockPasswordHasher::new();
    let check = std::sync::Mutex::new(Some(check));
    hasher
        .expect_verify()
        .withf(move |pw, p| pw.expose_secret() == PASSWORD && p == phc)
        .times(1)
        .returning(move |_, _| check.lock().unwrap().take().unwrap());
    hasher
}

fn matching(needs_rehash: bool) -> Result<PasswordCheck, HashError> {
    Ok(PasswordCheck {
        matches: true,
        needs_rehash,
    })
}

fn not_matching() -> Result<PasswordCheck, HashError> {
    Ok(PasswordCheck {
        matches: false,
        needs_rehash: false,
    })
}

fn sessions_recording(stored: &Recorder<BrowserSession>) -> MockSessionRepository {
    let mut sessions = MockSessionRepository::new();
    let r = stored.clone();
    sessions.expect_insert().returning(move |s| {
        r.push(s.clone());
        Ok(())
    });
    sessions
}

/// Alice exists with the fixture hash and the password is right.
fn signing_in(stored: &Recorder<BrowserSession>, needs_rehash: bool) -> Ports {
    with_hasher(
        stored,
        verifying(ts::user().password_hash, matching(needs_rehash)),
    )
}

/// Alice exists; `hasher` decides.
fn with_hasher(stored: &Recorder<BrowserSession>, hasher: MockPasswordHasher) -> Ports {
    Ports {
        users: users_by_email(Some(ts::user())),
        sessions: sessions_recording(stored),
        hasher,
        rng: ts::counting_rng(),
    }
}

async fn sign_in(p: Ports, email: &str) -> Result<SignedIn, LoginError> {
    accounts(p)
        .sign_in(
            email,
            SecretString::from(PASSWORD.to_owned()),
            &SignInContext::anonymous(),
        )
        .await
}

fn assert_invalid_credentials(r: Result<SignedIn, LoginError>) {
    assert!(
        matches!(r, Err(LoginError::InvalidCredentials)),
        "expected one answer for every credential failure, got {r:?}"
    );
}

#[tokio::test]
async fn no_enumeration_unknown_email_still_costs_a_check_against_the_dummy_hash() {
    let mut hasher = verifying(DUMMY, matching(false));
    hasher.expect_dummy_hash().times(1).return_const(DUMMY);
    // Even a "match" against the dummy hash signs no one in; no session is stored.
    let p = Ports {
        users: users_by_email(None),
        sessions: MockSessionRepository::new(),
        hasher,
        rng: Arc::new(MockRandomSource::new()),
    };
    assert_invalid_credentials(sign_in(p, "alice@example.com").await);
}

#[tokio::test]
async fn no_enumeration_malformed_email_still_costs_a_check_against_the_dummy_hash() {
    for email in ["not-an-email", "", "alice@localhost", " alice@example.com"] {
        let mut hasher = verifying(DUMMY, not_matching());
        hasher.expect_dummy_hash().times(1).return_const(DUMMY);
        // No lookup is made for an address that cannot exist.
        let p = Ports {
            users: MockUserRepository::new(),
            sessions: MockSessionRepository::new(),
            hasher,
            rng: Arc::new(MockRandomSource::new()),
        };
        assert_invalid_credentials(sign_in(p, email).await);
    }
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials_and_opens_no_session() {
    let p = Ports {
        users: users_by_email(Some(ts::user())),
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, not_matching()),
        rng: Arc::new(MockRandomSource::new()),
    };
    assert_invalid_credentials(sign_in(p, "alice@example.com").await);
}

#[tokio::test]
async fn asvs_7_4_2_disabled_user_with_the_right_password_is_invalid_credentials() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    // The password is still checked, so timing matches an enabled account's.
    let p = Ports {
        users: users_by_email(Some(disabled)),
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, matching(true)),
        rng: Arc::new(MockRandomSource::new()),
    };
    assert_invalid_credentials(sign_in(p, "alice@example.com").await);
}

/// R-08 and ASVS 6.3.1: a saturated hasher answers Busy, and the attempt counted while it
/// was refused is taken back (compare-and-swap on exactly what was counted), so load
/// shedding never locks the owner out.
#[tokio::test]
async fn r_08_saturated_hasher_is_busy_and_its_attempt_is_taken_back() {
    let undone: Recorder<(LoginAttempts, LoginAttempts)> = Recorder::default();
    let mut users = users_by_email(Some(ts::user()));
    let u = undone.clone();
    users
        .expect_undo_login_failure()
        .withf(|id, _, _| id.as_str() == USER_ID)
        .times(1)
        .returning(move |_, counted, before| {
            u.push((counted, before));
            Ok(true)
        });
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, Err(HashError::Busy)),
        rng: Arc::new(MockRandomSource::new()),
    };
    let r = sign_in(p, "alice@example.com").await;
    assert!(matches!(r, Err(LoginError::Busy)), "{r:?}");
    let (counted, before) = undone.only();
    assert_eq!(before, LoginAttempts::default());
    assert_eq!(
        counted,
        LoginAttempts::default().after_failure(UnixTime::from_secs(NOW), &LockoutPolicy::default())
    );
}

#[tokio::test]
async fn unreadable_stored_hash_is_invalid_credentials_and_backend_failure_is_an_error() {
    // An unusable stored hash (a forced reset) also pays for one real check.
    let mut hasher = verifying(ts::user().password_hash, Err(HashError::InvalidHash));
    hasher
        .expect_dummy_hash()
        .return_const("$argon2id$dummy".to_owned());
    hasher
        .expect_verify()
        .withf(|_, p| p == "$argon2id$dummy")
        .times(1)
        .returning(|_, _| {
            Ok(PasswordCheck {
                matches: true,
                needs_rehash: false,
            })
        });
    let p = Ports {
        users: users_by_email(Some(ts::user())),
        sessions: MockSessionRepository::new(),
        hasher,
        rng: Arc::new(MockRandomSource::new()),
    };
    assert_invalid_credentials(sign_in(p, "alice@example.com").await);
    let mut users = users_by_email(Some(ts::user()));
    users
        .expect_undo_login_failure()
        .times(1)
        .returning(|_, _, _| Ok(true));
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: verifying(
            ts::user().password_hash,
            Err(HashError::Backend("boom".into())),
        ),
        rng: Arc::new(MockRandomSource::new()),
    };
    let r = sign_in(p, "alice@example.com").await;
    assert!(matches!(r, Err(LoginError::Hasher(_))), "{r:?}");
}

#[tokio::test]
async fn user_lookup_failure_is_a_repository_error() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Err(RepositoryError::Unavailable));
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: MockPasswordHasher::new(),
        rng: Arc::new(MockRandomSource::new()),
    };
    let r = sign_in(p, "alice@example.com").await;
    assert!(matches!(r, Err(LoginError::Repository(_))), "{r:?}");
}

#[tokio::test]
async fn outdated_hash_is_replaced_on_sign_in() {
    let stored = Recorder::default();
    let mut p = signing_in(&stored, true);
    p.hasher
        .expect_hash()
        .withf(|pw| pw.expose_secret() == PASSWORD)
        .times(1)
        .returning(|_| Ok(NEW_PHC.into()));
    p.users
        .expect_update_password_hash()
        .withf(|id, phc| id.as_str() == USER_ID && phc == NEW_PHC)
        .times(1)
        .returning(|_, _| Ok(()));
    sign_in(p, "alice@example.com").await.unwrap();
    assert_eq!(stored.all().len(), 1);
}

#[tokio::test]
async fn failed_rehash_does_not_block_the_sign_in() {
    let stored = Recorder::default();
    let mut p = signing_in(&stored, true);
    p.hasher.expect_hash().returning(|_| Err(HashError::Busy));
    assert!(sign_in(p, "alice@example.com").await.is_ok());

    let stored = Recorder::default();
    let mut p = signing_in(&stored, true);
    p.hasher.expect_hash().returning(|_| Ok(NEW_PHC.into()));
    p.users
        .expect_update_password_hash()
        .returning(|_, _| Err(RepositoryError::Unavailable));
    assert!(sign_in(p, "alice@example.com").await.is_ok());
}

#[tokio::test]
async fn current_hash_is_not_rehashed() {
    // hash and update_password_hash have no expectation: calling them fails the test.
    let stored = Recorder::default();
    assert!(sign_in(signing_in(&stored, false), "alice@example.com")
        .await
        .is_ok());
}

#[tokio::test]
async fn asvs_7_2_3_success_stores_a_session_keyed_by_the_digest_of_a_256_bit_cookie() {
    let stored = Recorder::default();
    let mut p = signing_in(&stored, false);
    let mut rng = MockRandomSource::new();
    // The cookie (256 bits), then the session's public sid: drawn apart, never derived.
    rng.expect_fill().times(2).returning(|b| match b.len() {
        32 => b.fill(0xAB),
        16 => b.fill(0xCD),
        n => panic!("unexpected draw of {n} bytes"),
    });
    p.rng = Arc::new(rng);
    let signed = sign_in(p, "alice@example.com").await.unwrap();
    assert_eq!(
        signed.session.sid,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xCD; 16]),
        "sid comes from its own random draw"
    );
    let cookie = signed.cookie.expose_secret();
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cookie)
            .unwrap(),
        vec![0xAB; 32]
    );
    let session = stored.only();
    // Only the digest is stored; the cookie value leaves the service once, to the browser.
    assert_eq!(session.digest, TokenDigest::of(cookie));
    assert_eq!(session.user_id.as_str(), USER_ID);
    assert_eq!(
        session.auth_time,
        UnixTime::from_secs(NOW),
        "OIDC auth_time"
    );
    assert_eq!(session.expires_at, UnixTime::from_secs(NOW + TTL));
    assert_eq!(signed.session, session);
}

#[tokio::test]
async fn asvs_7_2_4_every_sign_in_opens_a_new_session() {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .times(2)
        .returning(|_, _| matching(false));
    let a = accounts(with_hasher(&Recorder::default(), hasher));
    let first = a
        .sign_in(
            "alice@example.com",
            SecretString::from(PASSWORD.to_owned()),
            &SignInContext::anonymous(),
        )
        .await
        .unwrap();
    let second = a
        .sign_in(
            "alice@example.com",
            SecretString::from(PASSWORD.to_owned()),
            &SignInContext::anonymous(),
        )
        .await
        .unwrap();
    assert_ne!(first.cookie.expose_secret(), second.cookie.expose_secret());
    assert_ne!(first.session.digest, second.session.digest);
}

#[tokio::test]
async fn presented_password_is_nfkc_normalised_before_verification() {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .withf(|pw, _| pw.expose_secret() == "fine password 12")
        .times(1)
        .returning(|_, _| matching(false));
    let p = with_hasher(&Recorder::default(), hasher);
    // U+FB01 LATIN SMALL LIGATURE FI and FULLWIDTH digits.
    let r = accounts(p)
        .sign_in(
            "alice@example.com",
            SecretString::from("\u{FB01}ne password \u{FF11}\u{FF12}".to_owned()),
            &SignInContext::anonymous(),
        )
        .await;
    assert!(r.is_ok(), "{r:?}");
}

#[tokio::test]
async fn session_that_cannot_be_stored_is_not_handed_out() {
    let mut p = signing_in(&Recorder::default(), false);
    p.sessions = MockSessionRepository::new();
    p.sessions
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let r = sign_in(p, "alice@example.com").await;
    assert!(matches!(r, Err(LoginError::Repository(_))), "{r:?}");
}

#[tokio::test]
async fn session_lookup_and_sign_out_use_the_cookie_digest() {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_find()
        .withf(|d, now| *d == TokenDigest::of("cookie") && *now == UnixTime::from_secs(NOW))
        .times(1)
        .returning(|_, _| Ok(Some(ts::session(NOW - 10))));
    sessions
        .expect_delete()
        .withf(|d| *d == TokenDigest::of("cookie"))
        .times(1)
        .returning(|_| Ok(()));
    let a = accounts(Ports {
        users: MockUserRepository::new(),
        sessions,
        hasher: MockPasswordHasher::new(),
        rng: Arc::new(MockRandomSource::new()),
    });
    assert_eq!(
        a.session("cookie").await.unwrap(),
        Some(ts::session(NOW - 10))
    );
    a.sign_out("cookie").await.unwrap();
}

// ---- lockout (ASVS 6.3.1, 2.2.1; no enumeration, 6.3.8) ----

/// Alice's account with its attempts kept in one place, as the database keeps them:
/// lookups read them, counting and resetting change them atomically.
struct Lockable {
    accounts: Accounts,
    clock: Arc<AtomicI64>,
    state: Arc<Mutex<LoginAttempts>>,
    checks: Arc<AtomicUsize>,
    sessions: Recorder<BrowserSession>,
}

fn lockable(policy: LockoutPolicy) -> Lockable {
    let clock = Arc::new(AtomicI64::new(NOW));
    let mut mock_clock = MockClock::new();
    let t = clock.clone();
    mock_clock
        .expect_now()
        .returning(move || UnixTime::from_secs(t.load(Ordering::SeqCst)));

    let state = Arc::new(Mutex::new(LoginAttempts::default()));
    let mut users = MockUserRepository::new();
    let st = state.clone();
    users.expect_find_by_email().returning(move |e| {
        Ok((e.as_str() == "alice@example.com").then(|| User {
            login_attempts: *st.lock().unwrap(),
            ..ts::user()
        }))
    });
    let st = state.clone();
    users
        .expect_record_login_failure()
        .withf(move |id, _, p| id.as_str() == USER_ID && *p == policy)
        .returning(move |_, now, p| {
            let mut a = st.lock().unwrap();
            *a = a.after_failure(now, &p);
            Ok(*a)
        });
    let st = state.clone();
    users
        .expect_reset_login_failures()
        .withf(|id| id.as_str() == USER_ID)
        .returning(move |_| {
            *st.lock().unwrap() = LoginAttempts::after_success();
            Ok(())
        });

    // Only Alice's password against Alice's hash matches; every check is counted.
    let checks = Arc::new(AtomicUsize::new(0));
    let mut hasher = MockPasswordHasher::new();
    let c = checks.clone();
    hasher.expect_verify().returning(move |pw, phc| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(PasswordCheck {
            matches: pw.expose_secret() == PASSWORD && phc == ts::user().password_hash,
            needs_rehash: false,
        })
    });
    hasher.expect_dummy_hash().return_const(DUMMY);

    let sessions = Recorder::default();
    let accounts = Accounts::new(AccountsDeps {
        users: Arc::new(users),
        sessions: Arc::new(sessions_recording(&sessions)),
        hasher: Arc::new(hasher),
        clock: Arc::new(mock_clock),
        rng: ts::counting_rng(),
        policy: PasswordPolicy::default(),
        session_ttl: TTL,
        lockout: policy,
    });
    Lockable {
        accounts,
        clock,
        state,
        checks,
        sessions,
    }
}

impl Lockable {
    async fn attempt(&self, email: &str, password: &str) -> Result<SignedIn, LoginError> {
        self.attempt_as(email, password, &SignInContext::anonymous())
            .await
    }

    async fn attempt_as(
        &self,
        email: &str,
        password: &str,
        context: &SignInContext,
    ) -> Result<SignedIn, LoginError> {
        self.accounts
            .sign_in(email, SecretString::from(password.to_owned()), context)
            .await
    }

    async fn wrong(&self) -> Result<SignedIn, LoginError> {
        self.attempt("alice@example.com", "not the password at all")
            .await
    }

    async fn right(&self) -> Result<SignedIn, LoginError> {
        self.attempt("alice@example.com", PASSWORD).await
    }

    fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.clock.load(Ordering::SeqCst))
    }

    fn attempts(&self) -> LoginAttempts {
        *self.state.lock().unwrap()
    }
}

fn assert_locked(r: Result<SignedIn, LoginError>, secs: i64) {
    match r {
        Err(LoginError::Locked { retry_after_secs }) => assert_eq!(retry_after_secs, secs),
        other => panic!("expected locked for {secs} s, got {other:?}"),
    }
}

#[tokio::test]
async fn asvs_6_3_1_five_wrong_passwords_lock_and_the_right_one_waits_for_the_delay() {
    let a = lockable(LockoutPolicy::default());
    for n in 1..=4 {
        assert_invalid_credentials(a.wrong().await);
        assert_eq!(a.attempts().failed, n);
        assert!(!a.attempts().is_locked(a.now()));
    }
    // The fifth failure is still answered as a wrong password, and locks.
    assert_invalid_credentials(a.wrong().await);
    assert_eq!(
        a.attempts(),
        LoginAttempts {
            failed: 0,
            locked_until: Some(UnixTime::from_secs(NOW + 60)),
            lockouts: 1,
        }
    );
    // Locked: the right password is refused, nothing is counted, no session opens.
    assert_locked(a.right().await, 60);
    a.advance(59);
    assert_locked(a.right().await, 1);
    assert_locked(a.wrong().await, 1);
    assert_eq!(
        a.attempts().failed,
        0,
        "attempts on a locked account are not counted"
    );
    assert!(a.sessions.all().is_empty());
    // Every attempt, locked or not, cost exactly one password check (same timing).
    assert_eq!(a.checks.load(Ordering::SeqCst), 8);
    // The delay is over: the right password works and forgets everything.
    a.advance(1);
    let signed = a.right().await.unwrap();
    assert_eq!(signed.session.auth_time, UnixTime::from_secs(NOW + 60));
    assert_eq!(a.attempts(), LoginAttempts::default());
    assert_eq!(a.sessions.all().len(), 1);
}

#[tokio::test]
async fn asvs_6_3_1_a_locked_account_still_lets_its_owners_trusted_browser_in() {
    let a = lockable(LockoutPolicy::default());
    let owner = SignInContext {
        trusted_device_for: Some(ts::user().id),
    };
    let other = SignInContext {
        trusted_device_for: Some(UserId::parse("00000000-0000-4000-8000-000000000000").unwrap()),
    };
    // An attacker keeps the account locked, lock after lock.
    for _ in 0..5 {
        assert_invalid_credentials(a.wrong().await);
    }
    assert!(a.attempts().is_locked(a.now()));
    // Without the account's device cookie the right password waits, as before…
    assert_locked(a.right().await, 60);
    assert_locked(
        a.attempt_as("alice@example.com", PASSWORD, &other).await,
        60,
    );
    // …a wrong password through the owner's browser is a plain failure, still counted…
    assert_invalid_credentials(
        a.attempt_as("alice@example.com", "not the password at all", &owner)
            .await,
    );
    assert_eq!(a.attempts().failed, 1);
    // …and the owner's browser gets in with the right one.
    let signed = a
        .attempt_as("alice@example.com", PASSWORD, &owner)
        .await
        .unwrap();
    assert_eq!(signed.session.user_id, ts::user().id);
}

#[tokio::test]
async fn asvs_6_3_1_each_lock_doubles_up_to_the_maximum() {
    let a = lockable(LockoutPolicy::default());
    let mut delays = Vec::new();
    for _ in 0..8 {
        for _ in 0..5 {
            assert_invalid_credentials(a.wrong().await);
        }
        let secs = a.attempts().retry_after_secs(a.now()).unwrap();
        assert_locked(a.right().await, secs);
        delays.push(secs);
        a.advance(secs);
    }
    assert_eq!(delays, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    // A success resets the doubling too.
    a.right().await.unwrap();
    for _ in 0..5 {
        assert_invalid_credentials(a.wrong().await);
    }
    assert_locked(a.right().await, 60);
}

#[tokio::test]
async fn asvs_6_3_1_success_resets_the_count() {
    let a = lockable(LockoutPolicy::default());
    for _ in 0..4 {
        assert_invalid_credentials(a.wrong().await);
    }
    a.right().await.unwrap();
    assert_eq!(a.attempts(), LoginAttempts::default());
    for _ in 0..4 {
        assert_invalid_credentials(a.wrong().await);
    }
    assert!(
        !a.attempts().is_locked(a.now()),
        "4 failures since the success"
    );
    a.right().await.unwrap();
}

#[tokio::test]
async fn asvs_6_3_8_unknown_email_answers_like_a_wrong_password_and_costs_the_same() {
    let a = lockable(LockoutPolicy::default());
    for n in 1..=12 {
        // The same answer as a wrong password on an existing account, one check each,
        // and no lock ever (there is no account to lock).
        assert_invalid_credentials(a.attempt("nobody@example.com", PASSWORD).await);
        assert_eq!(a.checks.load(Ordering::SeqCst), n);
    }
    assert_eq!(a.attempts(), LoginAttempts::default(), "Alice is untouched");
    for _ in 0..5 {
        assert_invalid_credentials(a.wrong().await);
    }
    assert_eq!(a.checks.load(Ordering::SeqCst), 17);
    // Alice is locked; the unknown email still gets the plain answer. Pages show both
    // the same (see the HTTP adapter); only the logs tell them apart.
    assert_invalid_credentials(a.attempt("nobody@example.com", PASSWORD).await);
    assert_locked(a.right().await, 60);
}

#[tokio::test]
async fn asvs_2_2_1_at_most_100_wrong_passwords_are_answered_per_hour() {
    let a = lockable(LockoutPolicy::default());
    // An attacker guessing every 10 s for two hours.
    let mut answered = Vec::new();
    for tick in 0..720 {
        match a.wrong().await {
            Err(LoginError::InvalidCredentials) => answered.push(tick * 10),
            Err(LoginError::Locked { .. }) => {}
            other => panic!("{other:?}"),
        }
        a.advance(10);
    }
    let first_hour = answered.iter().filter(|&&t| t < 3600).count();
    assert_eq!(
        first_hour, 30,
        "locks at 0, 1, 3, 7, 15, 31 min: 6 rounds of 5"
    );
    let second_hour = answered.len() - first_hour;
    assert!(second_hour <= 10, "{second_hour}");
}

#[tokio::test]
async fn asvs_6_3_1_attempt_counted_after_racing_attempts_locked_the_account_is_refused() {
    // Alice was read with 4 failures, but by the time this attempt was counted racing
    // attempts had locked the account: the right password gets the locked answer.
    let mut user = ts::user();
    let policy = LockoutPolicy::default();
    let now = UnixTime::from_secs(NOW);
    user.login_attempts = (0..4).fold(LoginAttempts::default(), |a, _| {
        a.after_failure(now, &policy)
    });
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(move |_| Ok(Some(user.clone())));
    let raced = (0..7).fold(LoginAttempts::default(), |a, _| {
        a.after_failure(now, &policy)
    });
    users
        .expect_record_login_failure()
        .times(1)
        .returning(move |_, _, _| Ok(raced));
    // No reset, no session.
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, matching(false)),
        rng: Arc::new(MockRandomSource::new()),
    };
    assert_locked(sign_in(p, "alice@example.com").await, 60);
}

#[tokio::test]
async fn asvs_6_3_1_the_fifth_attempt_may_still_be_the_right_one() {
    // The failure counted for it locks the account, but it was counted while unlocked,
    // so its right password signs in and forgets the lock.
    let a = lockable(LockoutPolicy::default());
    for _ in 0..4 {
        assert_invalid_credentials(a.wrong().await);
    }
    a.right().await.unwrap();
    assert_eq!(a.attempts(), LoginAttempts::default());
}

#[tokio::test]
async fn asvs_6_3_8_the_count_is_written_while_the_password_is_checked() {
    // Each side finishes only once the other has started: done one after the other,
    // this would never end. Run together, the write hides behind the hash.
    let (to_b, from_a) = tokio::sync::oneshot::channel::<()>();
    let (to_a, from_b) = tokio::sync::oneshot::channel::<()>();
    let check = async move {
        to_b.send(()).unwrap();
        from_b.await.unwrap();
        "checked"
    };
    let count = async move {
        from_a.await.unwrap();
        to_a.send(()).unwrap();
        "counted"
    };
    let out = tokio::time::timeout(std::time::Duration::from_secs(5), both(check, count))
        .await
        .expect("both run at once");
    assert_eq!(out, ("checked", "counted"));
}

#[tokio::test]
async fn failure_to_count_an_attempt_fails_closed() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Ok(Some(ts::user())));
    users
        .expect_record_login_failure()
        .returning(|_, _, _| Err(RepositoryError::Unavailable));
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, matching(false)),
        rng: Arc::new(MockRandomSource::new()),
    };
    let r = sign_in(p, "alice@example.com").await;
    assert!(
        matches!(r, Err(LoginError::Repository(RepositoryError::Unavailable))),
        "the right password without a counted attempt opens nothing: {r:?}"
    );
}

#[tokio::test]
async fn failure_to_reset_after_the_right_password_opens_no_session() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Ok(Some(ts::user())));
    users
        .expect_record_login_failure()
        .returning(|_, now, p| Ok(LoginAttempts::default().after_failure(now, &p)));
    users
        .expect_reset_login_failures()
        .returning(|_| Err(RepositoryError::Unavailable));
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher: verifying(ts::user().password_hash, matching(false)),
        rng: Arc::new(MockRandomSource::new()),
    };
    let r = sign_in(p, "alice@example.com").await;
    assert!(matches!(r, Err(LoginError::Repository(_))), "{r:?}");
}

// ---- create_user ----

/// No port may be touched: validation fails first.
fn untouched() -> Ports {
    Ports {
        users: MockUserRepository::new(),
        sessions: MockSessionRepository::new(),
        hasher: MockPasswordHasher::new(),
        rng: Arc::new(MockRandomSource::new()),
    }
}

async fn create(
    p: Ports,
    email: &str,
    password: &str,
    name: Option<&str>,
) -> Result<User, CreateUserError> {
    accounts(p)
        .create_user(
            email,
            SecretString::from(password.to_owned()),
            name.map(str::to_owned),
            true,
        )
        .await
}

/// Hashing succeeds and the insert answers `insert`.
fn creating(inserted: &Recorder<User>, insert: Result<(), RepositoryError>) -> Ports {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .withf(|pw| pw.expose_secret() == PASSWORD)
        .times(1)
        .returning(|_| Ok(NEW_PHC.into()));
    let mut users = MockUserRepository::new();
    let r = inserted.clone();
    let insert = std::sync::Mutex::new(Some(insert));
    users.expect_insert().times(1).returning(move |u| {
        r.push(u.clone());
        insert.lock().unwrap().take().unwrap()
    });
    Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher,
        rng: ts::counting_rng(),
    }
}

#[tokio::test]
async fn bad_email_is_refused_before_hashing() {
    for email in [
        "alice",
        "alice@",
        "@example.com",
        "a b@example.com",
        "alice@example",
    ] {
        let r = create(untouched(), email, PASSWORD, None).await;
        assert!(
            matches!(r, Err(CreateUserError::Email(_))),
            "{email}: {r:?}"
        );
    }
}

#[tokio::test]
async fn password_shorter_than_15_or_longer_than_256_characters_is_refused() {
    let r = create(untouched(), "alice@example.com", "fourteen chars", None).await;
    assert!(
        matches!(
            r,
            Err(CreateUserError::Password(PasswordError::TooShort(15)))
        ),
        "{r:?}"
    );
    let long = "x".repeat(257);
    let r = create(untouched(), "alice@example.com", &long, None).await;
    assert!(
        matches!(
            r,
            Err(CreateUserError::Password(PasswordError::TooLong(256)))
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn common_password_or_email_name_is_refused_before_hashing() {
    for (password, want) in [
        ("password1234567", PasswordError::TooCommon),
        ("qwertyuiopasdfgh", PasswordError::TooCommon),
        (
            "alice in amber quiet river",
            PasswordError::ContainsEmailName,
        ),
        (
            "tessera amber quiet river",
            PasswordError::ContainsServiceName("tessera"),
        ),
    ] {
        let r = create(untouched(), "Alice@example.com", password, None).await;
        match r {
            Err(CreateUserError::Password(e)) => assert_eq!(e, want, "{password}"),
            other => panic!("{password}: {other:?}"),
        }
    }
    let r = create(untouched(), "alice@example.com", "password1234567", None).await;
    let msg = r.unwrap_err().to_string();
    assert!(msg.contains("too common or too easy to guess"), "{msg}");
}

#[tokio::test]
async fn bad_display_name_is_refused() {
    let long = "n".repeat(201);
    for name in ["", "   ", "bad\nname", "tab\tname", "nul\0", long.as_str()] {
        let r = create(untouched(), "alice@example.com", PASSWORD, Some(name)).await;
        assert!(matches!(r, Err(CreateUserError::Name)), "{name:?}: {r:?}");
    }
}

#[tokio::test]
async fn taken_email_is_duplicate() {
    let r = create(
        creating(&Recorder::default(), Err(RepositoryError::Conflict)),
        "alice@example.com",
        PASSWORD,
        None,
    )
    .await;
    assert!(matches!(r, Err(CreateUserError::Duplicate)), "{r:?}");
}

#[tokio::test]
async fn other_storage_failure_is_a_repository_error() {
    let r = create(
        creating(&Recorder::default(), Err(RepositoryError::Unavailable)),
        "alice@example.com",
        PASSWORD,
        None,
    )
    .await;
    assert!(
        matches!(
            r,
            Err(CreateUserError::Repository(RepositoryError::Unavailable))
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn hasher_failure_stores_nothing() {
    let mut p = untouched();
    p.hasher.expect_hash().returning(|_| Err(HashError::Busy));
    let r = create(p, "alice@example.com", PASSWORD, None).await;
    assert!(
        matches!(r, Err(CreateUserError::Busy)),
        "r_08: busy is its own answer (503): {r:?}"
    );
}

#[tokio::test]
async fn hasher_backend_failure_is_reported_and_stores_nothing() {
    let mut p = untouched();
    p.hasher
        .expect_hash()
        .returning(|_| Err(HashError::Backend("boom".into())));
    let r = create(p, "alice@example.com", PASSWORD, None).await;
    assert!(matches!(r, Err(CreateUserError::Hasher(_))), "{r:?}");
}

#[tokio::test]
async fn new_user_stores_the_argon2_phc_from_the_hasher_never_the_password() {
    let inserted = Recorder::default();
    let name = "n".repeat(200);
    let user = create(
        creating(&inserted, Ok(())),
        "Alice@Example.COM",
        PASSWORD,
        Some(&name),
    )
    .await
    .unwrap();
    let stored = inserted.only();
    assert_eq!(stored, user);
    assert_eq!(stored.password_hash, NEW_PHC);
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
    assert_eq!(stored.email.as_str(), "alice@example.com");
    assert!(stored.email_verified);
    assert_eq!(stored.name.as_deref(), Some(name.as_str()));
    assert_eq!(stored.created_at, UnixTime::from_secs(NOW));
    assert!(!stored.disabled);
    // A random version-4 UUID: the shape tokens use as `sub`.
    assert_eq!(stored.id, UserId::from_random([1; 16]));
    assert_eq!(UserId::parse(stored.id.as_str()), Ok(stored.id.clone()));
}

#[tokio::test]
async fn new_users_password_is_nfkc_normalised_before_hashing() {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .withf(|pw| pw.expose_secret() == "fine password 12")
        .times(1)
        .returning(|_| Ok(NEW_PHC.into()));
    let mut users = MockUserRepository::new();
    users.expect_insert().returning(|_| Ok(()));
    let p = Ports {
        users,
        sessions: MockSessionRepository::new(),
        hasher,
        rng: ts::counting_rng(),
    };
    let r = create(
        p,
        "alice@example.com",
        "\u{FB01}ne password \u{FF11}\u{FF12}",
        None,
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
}
