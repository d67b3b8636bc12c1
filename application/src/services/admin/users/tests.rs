use super::*;
use crate::ports::{
    MockAuditLog, MockAuthorizationCodeRepository, MockConsentRepository, MockEmailTokenRepository,
    MockMailer, MockPasswordHasher, MockRefreshTokenRepository, MockRevocationRepository,
    MockSessionRepository, MockUserRepository,
};
use crate::services::test_support::{self as ts, Recorder, USER_ID};
use crate::services::EmailLinksDeps;
use tessera_domain::{AuditEvent, PasswordPolicy, UnixTime};

/// The ports behind the service; each test sets the expectations it needs.
struct Ports {
    users: MockUserRepository,
    consents: MockConsentRepository,
    revocations: MockRevocationRepository,
    sessions: MockSessionRepository,
    refresh: MockRefreshTokenRepository,
    codes: MockAuthorizationCodeRepository,
    link_users: MockUserRepository,
    tokens: MockEmailTokenRepository,
    mailer: MockMailer,
}

impl Ports {
    fn new() -> Self {
        Self {
            users: MockUserRepository::new(),
            consents: MockConsentRepository::new(),
            revocations: MockRevocationRepository::new(),
            sessions: MockSessionRepository::new(),
            refresh: MockRefreshTokenRepository::new(),
            codes: MockAuthorizationCodeRepository::new(),
            link_users: MockUserRepository::new(),
            tokens: MockEmailTokenRepository::new(),
            mailer: MockMailer::new(),
        }
    }

    /// The user exists; signing out ends one session and no grants.
    fn with_user(mut self) -> Self {
        self.users.expect_find().returning(|_| Ok(Some(ts::user())));
        self
    }

    fn signs_out(mut self, times: usize) -> Self {
        self.sessions
            .expect_delete_for_user()
            .times(times)
            .returning(|_| Ok(1));
        self.refresh
            .expect_revoke_for_user()
            .times(times)
            .returning(|_| Ok(vec![]));
        self.codes
            .expect_revoke_for_user()
            .times(times)
            .returning(|_, _, _| Ok(vec![]));
        self
    }

    fn build(self) -> (AdminUsers, Recorder<AuditEvent>) {
        let events = Recorder::default();
        let e = events.clone();
        let mut audit = MockAuditLog::new();
        audit.expect_record().returning(move |ev| e.push(ev));
        let sign_out = Arc::new(SignOutEverywhere::new(
            Arc::new(self.sessions),
            Arc::new(self.codes),
            Arc::new(self.refresh),
            Arc::new(self.revocations),
            ts::clock_at(1_000),
            930,
        ));
        let links = Arc::new(EmailLinks::new(
            EmailLinksDeps {
                users: Arc::new(self.link_users),
                tokens: Arc::new(self.tokens),
                mailer: Arc::new(self.mailer),
                hasher: Arc::new(MockPasswordHasher::new()),
                sign_out: sign_out.clone(),
                clock: ts::clock_at(1_000),
                rng: ts::counting_rng(),
            },
            PasswordPolicy::default(),
            crate::services::email_links::tests::targets(),
        ));
        (
            AdminUsers::new(
                Arc::new(self.users),
                Arc::new(self.consents),
                sign_out,
                links,
                ts::clock_at(1_000),
                Arc::new(audit),
            ),
            events,
        )
    }
}

fn admin() -> Actor {
    Actor::new("api_key:abcd1234")
}

#[tokio::test]
async fn admin_list_pages_by_email_and_bounds_the_limit() {
    let mut ports = Ports::new();
    ports
        .users
        .expect_list()
        .withf(|after, q, limit| {
            after.as_deref() == Some("a@example.com") && q.as_deref() == Some("ali") && *limit == 2
        })
        .returning(|_, _, _| Ok(vec![ts::user(), ts::user()]));
    let (svc, _) = ports.build();
    let page = svc
        .list(Some("a@example.com".into()), Some("ALI".into()), 1)
        .await
        .unwrap();
    assert_eq!(page.users.len(), 1);
    assert_eq!(page.next.as_deref(), Some("alice@example.com"));
    for bad in [0, MAX_PAGE + 1] {
        assert!(matches!(
            svc.list(None, None, bad).await,
            Err(AdminUserError::Limit)
        ));
    }
}

#[tokio::test]
async fn admin_disable_signs_the_user_out_everywhere_and_is_audited() {
    let mut ports = Ports::new().with_user().signs_out(1);
    ports
        .users
        .expect_set_disabled()
        .withf(|_, d| *d)
        .times(1)
        .returning(|_, _| Ok(true));
    let (svc, events) = ports.build();
    svc.disable(&admin(), USER_ID).await.unwrap();
    let e = events.only();
    assert_eq!(e.detail.as_deref(), Some("users.disable"));
    assert_eq!(e.subject.as_deref(), Some(USER_ID));
    assert_eq!(e.actor.as_deref(), Some("api_key:abcd1234"));
}

#[tokio::test]
async fn admin_unknown_or_malformed_user_is_not_found() {
    let mut ports = Ports::new();
    ports.users.expect_find().returning(|_| Ok(None));
    let (svc, events) = ports.build();
    for id in [USER_ID, "not-a-uuid"] {
        assert!(matches!(
            svc.disable(&admin(), id).await,
            Err(AdminUserError::NotFound)
        ));
        assert!(matches!(
            svc.delete(&admin(), id).await,
            Err(AdminUserError::NotFound)
        ));
    }
    assert!(events.all().is_empty());
}

#[tokio::test]
async fn admin_force_reset_makes_the_password_unusable_and_mails_a_link() {
    let mut ports = Ports::new().with_user().signs_out(1);
    ports
        .users
        .expect_update_password_hash()
        .withf(|_, phc| phc == UNUSABLE_PASSWORD_HASH)
        .times(1)
        .returning(|_, _| Ok(()));
    ports
        .link_users
        .expect_find_by_email()
        .returning(|_| Ok(Some(ts::user())));
    ports
        .tokens
        .expect_delete_for_user()
        .returning(|_, _| Ok(0));
    ports.tokens.expect_insert().times(1).returning(|_| Ok(()));
    ports
        .mailer
        .expect_send()
        .withf(|m| m.to.as_str() == "alice@example.com")
        .times(1)
        .returning(|_| Ok(()));
    let (svc, events) = ports.build();
    svc.force_password_reset(&admin(), USER_ID).await.unwrap();
    assert_eq!(
        events.only().detail.as_deref(),
        Some("users.password_reset")
    );
}

#[tokio::test]
async fn admin_unlock_resets_the_failures() {
    let mut ports = Ports::new().with_user();
    ports
        .users
        .expect_reset_login_failures()
        .times(1)
        .returning(|_| Ok(()));
    let (svc, events) = ports.build();
    svc.unlock(&admin(), USER_ID).await.unwrap();
    assert_eq!(events.only().detail.as_deref(), Some("users.unlock"));
}

#[tokio::test]
async fn as_25_admin_revoking_a_consent_ends_its_codes_and_denylists_every_grant_of_it() {
    let mut ports = Ports::new().with_user();
    ports
        .consents
        .expect_revoke_with_grants()
        .withf(|_, c| c.as_str() == "web")
        .returning(|_, _| Ok((true, vec!["fam".into()])));
    // A grant without refresh token, known only from its code.
    ports
        .codes
        .expect_revoke_for_user()
        .withf(|u, c, now| {
            u.as_str() == USER_ID
                && c.map(|c| c.as_str()) == Some("web")
                && *now == UnixTime::from_secs(1_000)
        })
        .times(1)
        .returning(|_, _, _| Ok(vec!["code-only".into()]));
    let denied: Recorder<(String, UnixTime)> = Recorder::default();
    let d = denied.clone();
    ports.revocations.expect_revoke().returning(move |k, t| {
        d.push((k.to_owned(), t));
        Ok(())
    });
    let (svc, events) = ports.build();
    svc.revoke_consent(&admin(), USER_ID, "web").await.unwrap();
    let until = UnixTime::from_secs(1_930);
    assert_eq!(
        denied.all(),
        vec![
            ("grant:code-only".to_owned(), until),
            ("grant:fam".to_owned(), until)
        ]
    );
    let e = events.only();
    assert_eq!(e.action, AuditAction::ConsentRevoked);
    assert_eq!(e.client_id.as_deref(), Some("web"));
}

#[tokio::test]
async fn admin_revoking_a_missing_consent_is_not_found() {
    let mut ports = Ports::new().with_user();
    ports
        .consents
        .expect_revoke_with_grants()
        .returning(|_, _| Ok((false, vec![])));
    ports
        .codes
        .expect_revoke_for_user()
        .returning(|_, _, _| Ok(vec![]));
    let (svc, events) = ports.build();
    assert!(matches!(
        svc.revoke_consent(&admin(), USER_ID, "web").await,
        Err(AdminUserError::ConsentNotFound)
    ));
    assert!(events.all().is_empty());
}

mod lifecycle;
