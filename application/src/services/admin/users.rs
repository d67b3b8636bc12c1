//! User administration: listing, disabling, unlocking, deletion, forced password resets,
//! consents and sessions.

use super::{event, record, Actor, MAX_PAGE};
use crate::ports::{AuditLog, Clock, ConsentRepository, UserRepository};
use crate::services::{EmailLinkError, EmailLinks, SignOutEverywhere};
use crate::RepositoryError;
use std::sync::Arc;
use tessera_domain::{AuditAction, ClientId, Consent, User, UserId};

/// What a forced reset stores as the password hash: not a PHC string, so the hasher refuses
/// to read it and sign-in treats it as a wrong password (never an error page), whatever is
/// typed. Only the emailed reset link (or an administrator) sets a real one again.
pub const UNUSABLE_PASSWORD_HASH: &str = "!reset-required";

/// One page of the user listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    /// Users ordered by email.
    pub users: Vec<User>,
    /// The `after` value for the next page; `None` on the last one.
    pub next: Option<String>,
}

/// Why a user operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminUserError {
    /// No user (or consent) with this id.
    #[error("no such user")]
    NotFound,
    /// No consent of this user for this client.
    #[error("no such consent")]
    ConsentNotFound,
    /// `limit` outside 1 to [`MAX_PAGE`].
    #[error("limit must be between 1 and {MAX_PAGE}")]
    Limit,
    /// The reset link could not be issued.
    #[error(transparent)]
    Link(#[from] EmailLinkError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// User administration for the admin API.
pub struct AdminUsers {
    users: Arc<dyn UserRepository>,
    consents: Arc<dyn ConsentRepository>,
    sign_out: Arc<SignOutEverywhere>,
    email_links: Arc<EmailLinks>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl AdminUsers {
    /// Builds the service; `sign_out` also ends the grants of a withdrawn consent.
    pub fn new(
        users: Arc<dyn UserRepository>,
        consents: Arc<dyn ConsentRepository>,
        sign_out: Arc<SignOutEverywhere>,
        email_links: Arc<EmailLinks>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            users,
            consents,
            sign_out,
            email_links,
            clock,
            audit,
        }
    }

    /// A page of users ordered by email, after the email `after`, optionally only those
    /// whose email contains `email` ignoring case.
    pub async fn list(
        &self,
        after: Option<String>,
        email: Option<String>,
        limit: u32,
    ) -> Result<UserPage, AdminUserError> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(AdminUserError::Limit);
        }
        let email = email
            .filter(|e| !e.is_empty())
            .map(|e| tessera_domain::email::canonical(&e));
        let mut users = self.users.list(after, email, limit + 1).await?;
        let next = if users.len() > limit as usize {
            users.truncate(limit as usize);
            users.last().map(|u| u.email.as_str().to_owned())
        } else {
            None
        };
        Ok(UserPage { users, next })
    }

    /// One user.
    pub async fn get(&self, id: &str) -> Result<User, AdminUserError> {
        let Ok(id) = UserId::parse(id) else {
            return Err(AdminUserError::NotFound);
        };
        self.users.find(&id).await?.ok_or(AdminUserError::NotFound)
    }

    /// Disables the account and signs it out everywhere (ASVS 7.4.2): its sessions end and
    /// its tokens stop working at once, not when they expire.
    pub async fn disable(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        if !self.users.set_disabled(&user.id, true).await? {
            return Err(AdminUserError::NotFound);
        }
        self.sign_out.run(&user.id).await?;
        self.audit(actor, "users.disable", &user.id);
        Ok(())
    }

    /// Enables the account again.
    pub async fn enable(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        if !self.users.set_disabled(&user.id, false).await? {
            return Err(AdminUserError::NotFound);
        }
        self.audit(actor, "users.enable", &user.id);
        Ok(())
    }

    /// Forgets the failed sign-ins and lifts any lock.
    pub async fn unlock(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.users.reset_login_failures(&user.id).await?;
        self.audit(actor, "users.unlock", &user.id);
        Ok(())
    }

    /// Signs the user out everywhere, then deletes the account and everything hanging off it.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.sign_out.run(&user.id).await?;
        if !self.users.delete(&user.id).await? {
            return Err(AdminUserError::NotFound);
        }
        self.audit(actor, "users.delete", &user.id);
        Ok(())
    }

    /// Signs the user out everywhere, makes the current password unusable
    /// ([`UNUSABLE_PASSWORD_HASH`]) and mails a reset link: for a password believed leaked.
    pub async fn force_password_reset(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.sign_out.run(&user.id).await?;
        self.users
            .update_password_hash(&user.id, UNUSABLE_PASSWORD_HASH)
            .await?;
        self.audit(actor, "users.password_reset", &user.id);
        // After the hash is gone: a mail failure must not leave the old password usable.
        self.email_links
            .request_password_reset(user.email.as_str())
            .await?;
        Ok(())
    }

    /// The user's consents.
    pub async fn consents(&self, id: &str) -> Result<Vec<Consent>, AdminUserError> {
        let user = self.get(id).await?;
        Ok(self.consents.list_for_user(&user.id).await?)
    }

    /// Withdraws the user's consent for `client`, with the refresh tokens the client holds
    /// for the user, the codes issued to it and not yet redeemed, and (through the grant
    /// denylist) the access tokens of all its grants, with or without a refresh token.
    pub async fn revoke_consent(
        &self,
        actor: &Actor,
        id: &str,
        client: &str,
    ) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        let Ok(client_id) = ClientId::parse(client) else {
            return Err(AdminUserError::ConsentNotFound);
        };
        let (existed, families) = self
            .consents
            .revoke_with_grants(&user.id, &client_id)
            .await?;
        let ended_families = !families.is_empty();
        self.sign_out
            .end_grants(&user.id, Some(&client_id), families)
            .await?;
        // Spent codes are kept a while after their grant ends, so they do not count here: a
        // second withdrawal of the same consent is still "not found".
        if !existed && !ended_families {
            return Err(AdminUserError::ConsentNotFound);
        }
        record(
            self.audit.as_ref(),
            event(
                self.clock.as_ref(),
                actor,
                AuditAction::ConsentRevoked,
                "users.consents.revoke",
            )
            .subject(user.id.as_str())
            .client(client_id.as_str()),
        );
        Ok(())
    }

    /// Ends every session and token of the user; returns (sessions, grants) ended.
    pub async fn revoke_sessions(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(u64, usize), AdminUserError> {
        let user = self.get(id).await?;
        let ended = self.sign_out.run(&user.id).await?;
        self.audit(actor, "users.sessions.revoke", &user.id);
        Ok(ended)
    }

    fn audit(&self, actor: &Actor, detail: &str, subject: &UserId) {
        record(
            self.audit.as_ref(),
            event(self.clock.as_ref(), actor, AuditAction::AdminAction, detail)
                .subject(subject.as_str()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockAuditLog, MockAuthorizationCodeRepository, MockConsentRepository,
        MockEmailTokenRepository, MockMailer, MockPasswordHasher, MockRefreshTokenRepository,
        MockRevocationRepository, MockSessionRepository, MockUserRepository,
    };
    use crate::services::test_support::{self as ts, Recorder, USER_ID};
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
                Arc::new(self.link_users),
                Arc::new(self.tokens),
                Arc::new(self.mailer),
                Arc::new(MockPasswordHasher::new()),
                sign_out.clone(),
                ts::clock_at(1_000),
                ts::counting_rng(),
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
                after.as_deref() == Some("a@example.com")
                    && q.as_deref() == Some("ali")
                    && *limit == 2
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
}
