use super::*;
use crate::ports::{MockPasswordHasher, MockSessionRepository, MockUserRepository, PasswordCheck};
use crate::services::test_support::{self as ts, Recorder, CLIENT_ID, USER_ID};
use crate::services::AccountsDeps;
use crate::RepositoryError;
use std::net::{IpAddr, Ipv4Addr};
use tessera_domain::{AuditEvent, LockoutPolicy, PasswordPolicy, TokenDigest, UnixTime};

const NOW: i64 = 30_000;
const EMAIL: &str = "alice@example.com";
const OLD_COOKIE: &str = "old-session-cookie";

struct AuditRecorder(Recorder<AuditEvent>);

impl AuditLog for AuditRecorder {
    fn record(&self, event: AuditEvent) {
        self.0.push(event);
    }
}

/// An account API whose token issue always answers `answer`.
struct AnsweringApi(fn() -> Result<TokenSet, AccountLoginError>);

#[async_trait]
impl AccountLogin for AnsweringApi {
    async fn issue(
        &self,
        _: &tessera_domain::User,
        _: AuthMethods,
    ) -> Result<TokenSet, AccountLoginError> {
        (self.0)()
    }
}

/// Accounts where Alice exists and the password `matches` or not; sessions end only when
/// `ended` records them.
fn accounts(matches: bool, ended: &Recorder<TokenDigest>) -> Arc<Accounts> {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Ok(Some(ts::user())));
    users
        .expect_record_login_failure()
        .returning(|_, now, policy| Ok(ts::user().login_attempts.after_failure(now, &policy)));
    users.expect_reset_login_failures().returning(|_| Ok(()));
    users
        .expect_undo_login_failure()
        .returning(|_, _, _| Ok(true));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(move |_, _| {
        Ok(PasswordCheck {
            matches,
            needs_rehash: false,
        })
    });
    let mut sessions = MockSessionRepository::new();
    sessions.expect_insert().returning(|_| Ok(()));
    let r = ended.clone();
    sessions.expect_delete().returning(move |d| {
        r.push(d.clone());
        Ok(())
    });
    Arc::new(Accounts::new(AccountsDeps {
        users: Arc::new(users),
        sessions: Arc::new(sessions),
        hasher: Arc::new(hasher),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        policy: PasswordPolicy::default(),
        session_ttl: 3_600,
        lockout: LockoutPolicy::default(),
    }))
}

fn ctx() -> RequestContext {
    RequestContext {
        ip: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))),
        request_id: "req-1".to_owned(),
        now: UnixTime::from_secs(NOW),
    }
}

fn page_attempt() -> PageSignIn {
    PageSignIn {
        email: EMAIL.to_owned(),
        password: SecretString::from("correct horse battery staple".to_owned()),
        lockout: SignInContext::anonymous(),
        client_id: CLIENT_ID.to_owned(),
        previous_session: Some(OLD_COOKIE.to_owned()),
    }
}

fn api_attempt() -> ApiSignIn {
    ApiSignIn {
        email: EMAIL.to_owned(),
        password: SecretString::from("whatever it is".to_owned()),
    }
}

fn sign_in(
    matches: bool,
    api: fn() -> Result<TokenSet, AccountLoginError>,
) -> (SignIn, Recorder<AuditEvent>, Recorder<TokenDigest>) {
    let (events, ended) = (Recorder::default(), Recorder::default());
    let s = SignIn::new(
        accounts(matches, &ended),
        Arc::new(AnsweringApi(api)),
        Arc::new(AuditRecorder(events.clone())),
    );
    (s, events, ended)
}

fn unreachable_api() -> Result<TokenSet, AccountLoginError> {
    Err(AccountLoginError::Login(LoginError::Busy))
}

#[tokio::test]
async fn login_page_success_is_audited_with_its_subject_and_ends_the_previous_session() {
    let (s, events, ended) = sign_in(true, unreachable_api);
    let outcome = s.on_login_page(&ctx(), page_attempt()).await.unwrap();
    let PageSignInOutcome::SignedIn(signed) = outcome else {
        panic!("no second factor is due: {outcome:?}");
    };
    assert_eq!(signed.session.user_id.as_str(), USER_ID);
    assert_eq!(signed.session.amr, AuthMethods::password());
    let e = events.only();
    assert_eq!(e.action, AuditAction::LoginSucceeded);
    assert_eq!(e.outcome, AuditOutcome::Success);
    assert_eq!(e.actor.as_deref(), Some(EMAIL));
    assert_eq!(e.subject.as_deref(), Some(USER_ID));
    assert_eq!(e.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(e.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(e.at, UnixTime::from_secs(NOW));
    assert_eq!(e.detail.as_deref(), Some("login page"));
    assert!(
        ended.only() == TokenDigest::of(OLD_COOKIE),
        "the previous session ends"
    );
}

#[tokio::test]
async fn login_page_wrong_password_is_audited_without_a_subject_and_keeps_the_old_session() {
    let (s, events, ended) = sign_in(false, unreachable_api);
    let r = s.on_login_page(&ctx(), page_attempt()).await;
    assert!(matches!(r, Err(LoginError::InvalidCredentials)), "{r:?}");
    let e = events.only();
    assert_eq!(e.action, AuditAction::LoginFailed);
    assert_eq!(e.outcome, AuditOutcome::Failure);
    assert_eq!(e.subject, None);
    assert_eq!(e.detail.as_deref(), Some("login page: bad credentials"));
    assert!(ended.all().is_empty(), "a failed sign-in ends no session");
}

#[tokio::test]
async fn account_api_wrong_password_is_audited_for_the_account_client() {
    let (s, events, _) = sign_in(false, unreachable_api);
    let r = s.on_account_api(&ctx(), api_attempt()).await;
    assert!(matches!(
        r,
        Err(AccountLoginError::Login(LoginError::InvalidCredentials))
    ));
    let e = events.only();
    assert_eq!(e.action, AuditAction::LoginFailed);
    assert_eq!(e.client_id.as_deref(), Some(ACCOUNT_CLIENT_ID));
    assert_eq!(e.actor.as_deref(), Some(EMAIL));
    assert_eq!(e.detail.as_deref(), Some("account api: bad credentials"));
}

#[tokio::test]
async fn faults_are_not_attempts_and_are_not_audited() {
    let (s, events, _) = sign_in(true, || {
        Err(AccountLoginError::Login(LoginError::Repository(
            RepositoryError::Unavailable,
        )))
    });
    assert!(s.on_account_api(&ctx(), api_attempt()).await.is_err());
    assert!(events.all().is_empty());
}
