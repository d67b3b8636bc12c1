use crate::ports::{AuditLog, EmailTokenRepository, HashError, PasswordHasher, UserRepository};
use crate::services::{Accounts, LoginError, SignInContext, SignOutEverywhere};
use crate::{RepositoryError, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    is_valid_display_name, AuditAction, AuditOutcome, EmailTokenPurpose, Password, PasswordError,
    User,
};

/// Why a change to one's own account was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountChangeError {
    /// The current password is wrong.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many wrong passwords: the account is locked for `retry_after_secs`.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends.
        retry_after_secs: i64,
    },
    /// The new password breaks the rules.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A display name that is empty, too long or has control characters.
    #[error("name must be 1 to 200 printable characters")]
    Name,
    /// The account no longer exists.
    #[error("the account no longer exists")]
    Gone,
    /// Too many hashes at once: 503.
    #[error("too many password checks at once, try again shortly")]
    Busy,
    /// The hasher failed.
    #[error("password hashing failed: {0}")]
    Hasher(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<LoginError> for AccountChangeError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::InvalidCredentials => Self::WrongPassword,
            LoginError::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            LoginError::Busy => Self::Busy,
            LoginError::Repository(r) => Self::Repository(r),
            LoginError::Hasher(h) => Self::Hasher(h),
        }
    }
}

/// What a signed-in user changes about their own account: the name, the password, the
/// account's existence. Changing the password or deleting the account demands the current
/// password (ASVS 6.2.3), checked like a sign-in, so failures count towards the lockout.
pub struct AccountSettings {
    accounts: Arc<Accounts>,
    users: Arc<dyn UserRepository>,
    email_tokens: Arc<dyn EmailTokenRepository>,
    hasher: Arc<dyn PasswordHasher>,
    sign_out: Arc<SignOutEverywhere>,
    policy: tessera_domain::PasswordPolicy,
    audit: Option<Arc<dyn AuditLog>>,
}

impl AccountSettings {
    /// Builds the service.
    pub fn new(
        accounts: Arc<Accounts>,
        users: Arc<dyn UserRepository>,
        email_tokens: Arc<dyn EmailTokenRepository>,
        hasher: Arc<dyn PasswordHasher>,
        sign_out: Arc<SignOutEverywhere>,
        policy: tessera_domain::PasswordPolicy,
    ) -> Self {
        Self {
            accounts,
            users,
            email_tokens,
            hasher,
            sign_out,
            policy,
            audit: None,
        }
    }

    /// Records password changes and deletions, done or refused for the password, in `audit`.
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Audits a password-checked change of `user`'s account that settled: done, or refused
    /// for the password. Bad input and server faults say nothing about who holds the account.
    fn audit_change<T>(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        user: &User,
        result: &Result<T, AccountChangeError>,
    ) {
        let outcome = match result {
            Ok(_) => AuditOutcome::Success,
            Err(AccountChangeError::WrongPassword | AccountChangeError::Locked { .. }) => {
                AuditOutcome::Failure
            }
            Err(_) => return,
        };
        if let Some(audit) = &self.audit {
            audit.record(
                ctx.audit(action, outcome)
                    .actor(user.id.as_str())
                    .subject(user.id.as_str()),
            );
        }
    }

    /// Sets (or with `None` clears) the display name; returns the updated user.
    pub async fn update_name(
        &self,
        user: &User,
        name: Option<String>,
    ) -> Result<User, AccountChangeError> {
        if name.as_deref().is_some_and(|n| !is_valid_display_name(n)) {
            return Err(AccountChangeError::Name);
        }
        if !self.users.update_name(&user.id, name.clone()).await? {
            return Err(AccountChangeError::Gone);
        }
        Ok(User {
            name,
            ..user.clone()
        })
    }

    /// Replaces the password after checking the current one, then signs the user out
    /// everywhere (every session and refresh token; the access tokens of those grants stop
    /// passing introspection) and voids pending reset links.
    pub async fn change_password(
        &self,
        ctx: &RequestContext,
        user: &User,
        current: SecretString,
        new: SecretString,
    ) -> Result<(), AccountChangeError> {
        let result = self.replace_password(user, current, new).await;
        self.audit_change(ctx, AuditAction::PasswordChanged, user, &result);
        result
    }

    async fn replace_password(
        &self,
        user: &User,
        current: SecretString,
        new: SecretString,
    ) -> Result<(), AccountChangeError> {
        // Rules first: a refused new password costs no hash and no failed attempt.
        let password = Password::parse_for(new.expose_secret(), self.policy, &user.email)?;
        self.accounts
            .verify_credentials(user.email.as_str(), current, &SignInContext::anonymous())
            .await?;
        let phc = self
            .hasher
            .hash(SecretString::from(password.expose().to_owned()))
            .await
            .map_err(|e| match e {
                HashError::Busy => AccountChangeError::Busy,
                other => AccountChangeError::Hasher(other.to_string()),
            })?;
        self.users.update_password_hash(&user.id, &phc).await?;
        self.email_tokens
            .delete_for_user(&user.id, EmailTokenPurpose::ResetPassword)
            .await?;
        self.sign_out.run(&user.id).await?;
        log::info!("user {} changed their password", user.id);
        Ok(())
    }

    /// Deletes the account and everything hanging off it, after checking the password. The
    /// grants are denylisted first, so access tokens already out fail introspection at once.
    pub async fn delete_account(
        &self,
        ctx: &RequestContext,
        user: &User,
        password: SecretString,
    ) -> Result<(), AccountChangeError> {
        let result = self.remove_account(user, password).await;
        self.audit_change(ctx, AuditAction::AccountDeleted, user, &result);
        result
    }

    async fn remove_account(
        &self,
        user: &User,
        password: SecretString,
    ) -> Result<(), AccountChangeError> {
        self.accounts
            .verify_credentials(user.email.as_str(), password, &SignInContext::anonymous())
            .await?;
        self.sign_out.run(&user.id).await?;
        if !self.users.delete(&user.id).await? {
            return Err(AccountChangeError::Gone);
        }
        log::info!("user {} deleted their account", user.id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockEmailTokenRepository, MockPasswordHasher, MockSessionRepository, MockUserRepository,
        PasswordCheck,
    };
    use crate::services::email_links::tests::sign_out;
    use crate::services::test_support::{self as ts, Recorder};
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
        let accounts = Arc::new(Accounts::new(
            users.clone(),
            Arc::new(sessions),
            hasher.clone(),
            ts::clock_at(NOW),
            ts::counting_rng(),
            PasswordPolicy::default(),
            3_600,
            LockoutPolicy::default(),
        ));
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
}
