//! SecondFactors on the in-memory repositories (behaviour), with mocks where the call itself
//! is the point (the WebAuthn library, the mailer).

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{
    CeremonyStart, Clock, MockKeyCipher, MockPasskeyCeremonies, PasskeyError, PasskeyRepository,
    UserRepository, VerifiedAssertion,
};
use crate::services::test_support::{self as ts, Recorder};
use async_trait::async_trait;
use secrecy::SecretBox;
use std::sync::atomic::{AtomicI64, Ordering};
use tessera_domain::{AuditEvent, TotpSecret, TOTP_STEP_SECS};

const T0: i64 = 1_800_000_000;

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> tessera_domain::UnixTime {
        tessera_domain::UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}

struct Audit(Recorder<AuditEvent>);

impl AuditLog for Audit {
    fn record(&self, event: AuditEvent) {
        self.0.push(event);
    }
}

struct Mail(Recorder<OutgoingMail>);

#[async_trait]
impl Mailer for Mail {
    async fn send(&self, mail: OutgoingMail) -> Result<(), crate::ports::MailError> {
        self.0.push(mail);
        Ok(())
    }
}

/// "Encryption" that keeps the bytes and checks the associated data, enough to see that the
/// secret goes through the cipher bound to its user.
fn cipher() -> MockKeyCipher {
    let mut c = MockKeyCipher::new();
    c.expect_encrypt().returning(|p, aad| {
        let mut out = aad.to_vec();
        out.push(0);
        out.extend_from_slice(p);
        Ok(out)
    });
    c.expect_decrypt().returning(|c, aad| {
        let rest = c
            .strip_prefix(aad)
            .and_then(|r| r.strip_prefix(&[0]))
            .ok_or_else(|| crate::errors::CryptoError::backend("other user"))?;
        Ok(SecretBox::new(Box::new(rest.to_vec())))
    });
    c
}

struct World {
    store: Arc<InMemoryStore>,
    clock: Arc<TestClock>,
    factors: Arc<SecondFactors>,
    audit: Recorder<AuditEvent>,
    mail: Recorder<OutgoingMail>,
}

impl World {
    fn ctx(&self) -> RequestContext {
        RequestContext::internal(self.clock.now())
    }

    fn advance(&self, secs: i64) {
        self.clock.0.fetch_add(secs, Ordering::SeqCst);
    }

    async fn alice(&self) -> User {
        self.store.find(&ts::user().id).await.unwrap().unwrap()
    }

    /// The code an authenticator app shows now for `secret`.
    fn code(&self, secret: &TotpSecret) -> SecretString {
        let step = self.clock.now().as_secs() / TOTP_STEP_SECS;
        SecretString::from(secret.code_at_step(step))
    }

    /// Alice with TOTP on: her secret and her recovery codes.
    async fn with_totp(&self) -> (TotpSecret, Vec<SecretString>) {
        let alice = self.alice().await;
        let enrolment = self.factors.begin_totp(&alice).await.unwrap();
        let secret = secret_of(&enrolment);
        let codes = self
            .factors
            .confirm_totp(&self.ctx(), &alice, &self.code(&secret))
            .await
            .unwrap();
        (secret, codes)
    }
}

fn secret_of(enrolment: &TotpEnrolment) -> TotpSecret {
    let uri = enrolment.otpauth_uri.expose_secret();
    assert!(uri.contains(enrolment.secret.expose_secret()));
    let bytes = base32_decode(enrolment.secret.expose_secret());
    TotpSecret::from_stored(&bytes).unwrap()
}

fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut n, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

async fn world_with(ceremonies: MockPasskeyCeremonies) -> World {
    let store = Arc::new(InMemoryStore::new());
    UserRepository::insert(store.as_ref(), &ts::user())
        .await
        .unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let (audit, mail) = (Recorder::default(), Recorder::default());
    let factors = Arc::new(SecondFactors::new(SecondFactorsDeps {
        users: store.clone(),
        factors: store.clone(),
        passkeys: store.clone(),
        challenges: store.clone(),
        ceremonies: Arc::new(ceremonies),
        cipher: Arc::new(cipher()),
        clock: clock.clone(),
        rng: ts::counting_rng(),
        mailer: Arc::new(Mail(mail.clone())),
        audit: Arc::new(Audit(audit.clone())),
        issuer_name: "Tessera".into(),
        lockout: LockoutPolicy::default(),
    }));
    World {
        store,
        clock,
        factors,
        audit,
        mail,
    }
}

async fn world() -> World {
    let mut ceremonies = MockPasskeyCeremonies::new();
    ceremonies.expect_available().return_const(true);
    world_with(ceremonies).await
}

fn actions(audit: &Recorder<AuditEvent>) -> Vec<AuditAction> {
    audit.all().into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn totp_is_off_until_a_right_code_confirms_it() {
    let w = world().await;
    let alice = w.alice().await;
    let enrolment = w.factors.begin_totp(&alice).await.unwrap();
    assert!(!w.factors.status(&alice.id).await.unwrap().totp);
    let wrong = SecretString::from("000000".to_owned());
    let secret = secret_of(&enrolment);
    let wrong = if w.code(&secret).expose_secret() == "000000" {
        SecretString::from("111111".to_owned())
    } else {
        wrong
    };
    let r = w.factors.confirm_totp(&w.ctx(), &alice, &wrong).await;
    assert!(matches!(r, Err(SecondFactorError::InvalidCode)), "{r:?}");
    assert_eq!(w.alice().await.login_attempts.failed, 1, "counted");
    let codes = w
        .factors
        .confirm_totp(&w.ctx(), &alice, &w.code(&secret))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    let status = w.factors.status(&alice.id).await.unwrap();
    assert!(status.totp);
    assert_eq!(status.recovery_codes_left, 10);
    assert!(actions(&w.audit).contains(&AuditAction::MfaEnabled));
    assert_eq!(w.mail.only().subject, "Two-step sign-in is on");
    let again = w.factors.begin_totp(&alice).await;
    assert!(matches!(again, Err(SecondFactorError::AlreadyEnabled)));
}

#[tokio::test]
async fn each_code_works_once_and_the_next_step_works() {
    let w = world().await;
    let (secret, _) = w.with_totp().await;
    let alice = w.alice().await;
    // The confirming code's step is used up: the same code again is a replay.
    let replay = w
        .factors
        .verify_otp(&w.ctx(), &alice, &w.code(&secret), false)
        .await;
    assert!(matches!(replay, Err(SecondFactorError::InvalidCode)));
    w.advance(TOTP_STEP_SECS);
    let methods = w
        .factors
        .verify_otp(&w.ctx(), &w.alice().await, &w.code(&secret), false)
        .await
        .unwrap();
    assert_eq!(methods.amr(), vec!["otp"]);
    assert_eq!(w.alice().await.login_attempts.failed, 0, "success forgets");
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_passwords_and_the_owners_device_still_passes() {
    let w = world().await;
    let (secret, _) = w.with_totp().await;
    w.advance(TOTP_STEP_SECS);
    let right = w.code(&secret);
    let wrong = SecretString::from(if right.expose_secret() == "123456" {
        "654321".to_owned()
    } else {
        "123456".to_owned()
    });
    for _ in 0..5 {
        let r = w
            .factors
            .verify_otp(&w.ctx(), &w.alice().await, &wrong, false)
            .await;
        assert!(matches!(r, Err(SecondFactorError::InvalidCode)), "{r:?}");
    }
    let locked = w
        .factors
        .verify_otp(&w.ctx(), &w.alice().await, &right, false)
        .await;
    assert!(
        matches!(locked, Err(SecondFactorError::Locked { .. })),
        "{locked:?}"
    );
    assert!(actions(&w.audit).contains(&AuditAction::AccountLocked));
    // The owner's trusted browser still has its code checked.
    w.factors
        .verify_otp(&w.ctx(), &w.alice().await, &right, true)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_recovery_code_works_once_in_any_case_and_its_use_is_mailed() {
    let w = world().await;
    let (_, codes) = w.with_totp().await;
    let code = codes.first().unwrap().expose_secret().to_uppercase();
    let typed = SecretString::from(code);
    w.factors
        .verify_otp(&w.ctx(), &w.alice().await, &typed, false)
        .await
        .unwrap();
    assert!(actions(&w.audit).contains(&AuditAction::RecoveryCodeUsed));
    let mails = w.mail.all();
    assert_eq!(mails.last().unwrap().subject, "A recovery code was used");
    assert!(mails.last().unwrap().text.contains("9 left"));
    let again = w
        .factors
        .verify_otp(&w.ctx(), &w.alice().await, &typed, false)
        .await;
    assert!(matches!(again, Err(SecondFactorError::InvalidCode)));
    assert_eq!(
        w.factors
            .status(&ts::user().id)
            .await
            .unwrap()
            .recovery_codes_left,
        9
    );
}

#[tokio::test]
async fn turning_totp_off_and_renewing_codes_need_a_current_code() {
    let w = world().await;
    let (secret, old_codes) = w.with_totp().await;
    let alice = w.alice().await;
    let none = SecretString::from("not-a-code".to_owned());
    assert!(w
        .factors
        .disable_totp(&w.ctx(), &alice, &none)
        .await
        .is_err());
    w.advance(TOTP_STEP_SECS);
    let fresh = w
        .factors
        .renew_recovery_codes(&w.ctx(), &w.alice().await, &w.code(&secret))
        .await
        .unwrap();
    assert_eq!(fresh.len(), 10);
    let old = old_codes.first().unwrap().clone();
    let void = w
        .factors
        .verify_otp(&w.ctx(), &w.alice().await, &old, false)
        .await;
    assert!(
        matches!(void, Err(SecondFactorError::InvalidCode)),
        "old codes are void"
    );
    let new = fresh.first().unwrap().clone();
    w.factors
        .disable_totp(&w.ctx(), &w.alice().await, &new)
        .await
        .unwrap();
    let status = w.factors.status(&alice.id).await.unwrap();
    assert!(!status.totp);
    assert_eq!(status.recovery_codes_left, 0);
    assert!(actions(&w.audit).contains(&AuditAction::MfaDisabled));
}

#[tokio::test]
async fn a_second_step_is_single_use_and_expires() {
    let w = world().await;
    w.with_totp().await;
    let alice = w.alice().await;
    let step = w
        .factors
        .begin_step(&alice, AuthMethods::password(), false)
        .await
        .unwrap();
    assert!(step.totp && step.passkey.is_none());
    let taken = w.factors.take_step(&step.token).await.unwrap();
    assert_eq!(taken.user.id, alice.id);
    assert_eq!(taken.amr, AuthMethods::password());
    let twice = w.factors.take_step(&step.token).await;
    assert!(matches!(twice, Err(SecondFactorError::Expired)));
    let late = w
        .factors
        .begin_step(&alice, AuthMethods::password(), false)
        .await
        .unwrap();
    w.advance(SECOND_FACTOR_STEP_SECS);
    let expired = w.factors.take_step(&late.token).await;
    assert!(matches!(expired, Err(SecondFactorError::Expired)));
}

fn passkey_of(user: &UserId, id: &str, credential_id: &[u8]) -> Passkey {
    Passkey {
        id: id.into(),
        user_id: user.clone(),
        name: "Laptop".into(),
        credential_id: credential_id.to_vec(),
        credential: "{}".into(),
        synced: false,
        created_at: tessera_domain::UnixTime::from_secs(T0),
        last_used_at: None,
    }
}

fn signing_ceremonies(
    answer: fn() -> Result<VerifiedAssertion, PasskeyError>,
) -> MockPasskeyCeremonies {
    let mut c = MockPasskeyCeremonies::new();
    c.expect_available().return_const(true);
    c.expect_start_authentication().returning(|_| {
        Ok(CeremonyStart {
            options: "{\"publicKey\":{}}".into(),
            state: "state".into(),
        })
    });
    c.expect_identify()
        .returning(|_| Ok((b"cred-1".to_vec(), None)));
    c.expect_finish_authentication()
        .returning(move |_, state, _| {
            assert_eq!(state, "state", "the stored state comes back");
            answer()
        });
    c
}

#[tokio::test]
async fn a_passkey_signs_in_as_two_factors_and_a_sign_count_going_back_is_refused() {
    let w = world_with(signing_ceremonies(|| {
        Ok(VerifiedAssertion {
            updated_credential: Some("{\"counter\":2}".into()),
            user_verified: true,
            synced: true,
        })
    }))
    .await;
    let alice = ts::user();
    PasskeyRepository::insert(w.store.as_ref(), &passkey_of(&alice.id, "pk-1", b"cred-1"))
        .await
        .unwrap();
    let start = w.factors.start_passkey_sign_in(None).await.unwrap();
    let signed = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "{}", None)
        .await
        .unwrap();
    assert_eq!(signed.user.id, alice.id);
    assert_eq!(signed.amr.amr(), vec!["swk", "user", "mfa"]);
    let stored = PasskeyRepository::list_for_user(w.store.as_ref(), &alice.id)
        .await
        .unwrap();
    assert_eq!(stored.first().unwrap().credential, "{\"counter\":2}");
    assert!(stored.first().unwrap().last_used_at.is_some());
    let replay = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "{}", None)
        .await;
    assert!(
        matches!(replay, Err(SecondFactorError::Expired)),
        "single use"
    );

    let cloned = world_with(signing_ceremonies(|| Err(PasskeyError::CounterRegression))).await;
    PasskeyRepository::insert(
        cloned.store.as_ref(),
        &passkey_of(&alice.id, "pk-1", b"cred-1"),
    )
    .await
    .unwrap();
    let start = cloned.factors.start_passkey_sign_in(None).await.unwrap();
    let r = cloned
        .factors
        .finish_passkey_sign_in(&cloned.ctx(), &start.handle, "{}", None)
        .await;
    assert!(
        matches!(
            r,
            Err(SecondFactorError::Passkey(PasskeyError::CounterRegression))
        ),
        "{r:?}"
    );
    let failed = cloned.audit.only();
    assert_eq!(failed.action, AuditAction::SecondFactorFailed);
    assert_eq!(
        failed.detail.as_deref(),
        Some("passkey sign count went backwards")
    );
}

#[tokio::test]
async fn a_passkey_of_another_account_cannot_finish_someone_elses_second_step() {
    let w = world_with(signing_ceremonies(|| {
        Ok(VerifiedAssertion {
            updated_credential: None,
            user_verified: true,
            synced: false,
        })
    }))
    .await;
    let mut bob = ts::user();
    bob.id = UserId::parse(ts::OTHER_USER_ID).unwrap();
    bob.email = tessera_domain::Email::parse("bob@example.com").unwrap();
    UserRepository::insert(w.store.as_ref(), &bob)
        .await
        .unwrap();
    PasskeyRepository::insert(w.store.as_ref(), &passkey_of(&bob.id, "pk-b", b"cred-1"))
        .await
        .unwrap();
    let start = w.factors.start_passkey_sign_in(None).await.unwrap();
    let r = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "{}", Some(&ts::user().id))
        .await;
    assert!(matches!(r, Err(SecondFactorError::Passkey(_))), "{r:?}");
}

#[tokio::test]
async fn passkeys_without_a_host_name_are_refused_before_anything_is_stored() {
    let mut ceremonies = MockPasskeyCeremonies::new();
    ceremonies.expect_available().return_const(false);
    let w = world_with(ceremonies).await;
    let r = w.factors.start_passkey_sign_in(None).await;
    assert!(matches!(r, Err(SecondFactorError::PasskeysUnavailable)));
    let r = w.factors.start_passkey_registration(&w.alice().await).await;
    assert!(matches!(r, Err(SecondFactorError::PasskeysUnavailable)));
}

#[tokio::test]
async fn an_admin_reset_removes_every_factor_and_tells_the_owner() {
    let w = world().await;
    w.with_totp().await;
    let alice = w.alice().await;
    PasskeyRepository::insert(w.store.as_ref(), &passkey_of(&alice.id, "pk-1", b"cred-1"))
        .await
        .unwrap();
    w.factors
        .admin_reset(&w.ctx(), "admin-token", &alice)
        .await
        .unwrap();
    let status = w.factors.status(&alice.id).await.unwrap();
    assert!(!status.any());
    let reset = w
        .audit
        .all()
        .into_iter()
        .find(|e| e.action == AuditAction::MfaReset)
        .unwrap();
    assert_eq!(reset.actor.as_deref(), Some("admin-token"));
    assert_eq!(reset.subject.as_deref(), Some(ts::USER_ID));
    assert_eq!(
        w.mail.all().last().unwrap().subject,
        "Your second factors were reset"
    );
}

/// The sign-in use case on the world's store: real Accounts (passwords always match), the
/// world's second factors under the default policy.
fn sign_in_on(w: &World) -> crate::services::SignIn {
    use crate::ports::{MockPasswordHasher, PasswordCheck};
    use crate::services::{AccountLogin, AccountLoginError, Accounts, AccountsDeps, TokenSet};
    struct NoTokens;
    #[async_trait]
    impl AccountLogin for NoTokens {
        async fn issue(&self, _: &User, _: AuthMethods) -> Result<TokenSet, AccountLoginError> {
            Err(AccountLoginError::Login(crate::services::LoginError::Busy))
        }
    }
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| {
        Ok(PasswordCheck {
            matches: true,
            needs_rehash: false,
        })
    });
    let accounts = Arc::new(Accounts::new(AccountsDeps {
        users: w.store.clone(),
        sessions: w.store.clone(),
        hasher: Arc::new(hasher),
        clock: w.clock.clone(),
        rng: ts::counting_rng(),
        policy: tessera_domain::PasswordPolicy::default(),
        session_ttl: 3_600,
        lockout: LockoutPolicy::default(),
    }));
    crate::services::SignIn::new(
        accounts,
        Arc::new(NoTokens),
        Arc::new(Audit(w.audit.clone())),
    )
    .with_second_factors(w.factors.clone(), crate::services::MfaPolicy::Optional)
}

fn page_attempt() -> crate::services::PageSignIn {
    crate::services::PageSignIn {
        email: "alice@example.com".into(),
        password: SecretString::from("correct horse battery staple".to_owned()),
        lockout: crate::services::SignInContext::anonymous(),
        client_id: ts::CLIENT_ID.into(),
        previous_session: None,
    }
}

fn second_step(token: SecretString, code: SecretString) -> crate::services::PageSecondStep {
    crate::services::PageSecondStep {
        token,
        proof: crate::services::SecondProof::Otp(code),
        lockout: crate::services::SignInContext::anonymous(),
        client_id: ts::CLIENT_ID.into(),
        previous_session: None,
    }
}

#[tokio::test]
async fn a_right_password_opens_no_session_until_the_second_factor_and_a_wrong_code_restarts_the_step(
) {
    use crate::ports::SessionRepository;
    use crate::services::{PageSignInOutcome, SecondStepOutcome};
    let w = world().await;
    let (secret, _) = w.with_totp().await;
    let sign_in = sign_in_on(&w);
    let outcome = sign_in
        .on_login_page(&w.ctx(), page_attempt())
        .await
        .unwrap();
    let PageSignInOutcome::SecondFactorDue(step) = outcome else {
        panic!("the second factor is due: {outcome:?}");
    };
    let sessions = |w: &World| {
        let store = w.store.clone();
        let now = w.clock.now();
        async move {
            SessionRepository::list_for_user(store.as_ref(), &ts::user().id, now)
                .await
                .unwrap()
        }
    };
    assert!(
        sessions(&w).await.is_empty(),
        "no session after the password alone"
    );
    assert_eq!(
        w.alice().await.login_attempts.failed,
        0,
        "the right password is not counted as a failure"
    );
    w.advance(TOTP_STEP_SECS);
    let right = w.code(&secret);
    let wrong = SecretString::from(if right.expose_secret() == "999999" {
        "000000".to_owned()
    } else {
        "999999".to_owned()
    });
    let first_token = SecretString::from(step.token.expose_secret().to_owned());
    let retry = sign_in
        .second_step_on_login_page(&w.ctx(), second_step(step.token, wrong))
        .await
        .unwrap();
    let SecondStepOutcome::Retry { step: next, error } = retry else {
        panic!("a wrong code restarts the step: {retry:?}");
    };
    assert!(matches!(error, SecondFactorError::InvalidCode));
    assert!(sessions(&w).await.is_empty());
    let counted = w.alice().await.login_attempts.failed;
    assert_eq!(counted, 1, "the wrong code is counted");
    let again = sign_in
        .on_login_page(&w.ctx(), page_attempt())
        .await
        .unwrap();
    assert!(matches!(again, PageSignInOutcome::SecondFactorDue(_)));
    assert_eq!(
        w.alice().await.login_attempts.failed,
        1,
        "a right password does not forget the wrong code before it"
    );
    let stale = sign_in
        .second_step_on_login_page(&w.ctx(), second_step(first_token, right.clone()))
        .await;
    assert!(
        matches!(stale, Err(SecondFactorError::Expired)),
        "{stale:?}"
    );
    let done = sign_in
        .second_step_on_login_page(&w.ctx(), second_step(next.token, right))
        .await
        .unwrap();
    let SecondStepOutcome::SignedIn(signed) = done else {
        panic!("the right code signs in: {done:?}");
    };
    assert_eq!(signed.session.amr.amr(), vec!["pwd", "otp", "mfa"]);
    assert_eq!(signed.session.amr.acr(), tessera_domain::Acr::MultiFactor);
    assert_eq!(sessions(&w).await.len(), 1);
    assert_eq!(
        w.alice().await.login_attempts.failed,
        0,
        "the finished sign-in forgets"
    );
}

mod passkey_registration;
