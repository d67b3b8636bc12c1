use crate::ports::AuditLog;
use crate::ports::{
    random_token, Clock, EmailTokenRepository, HashError, MailBudget, Mailer, OutgoingMail,
    PasswordHasher, RandomSource, UnlimitedMail, UserRepository,
};
use crate::services::{LinkTargets, SignOutEverywhere};
use crate::{RepositoryError, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditOutcome, Email, EmailToken, EmailTokenPurpose, Password, PasswordError,
    PasswordPolicy, TokenDigest, User, UserId,
};

/// Why an emailed link did not work.
#[derive(Debug, thiserror::Error)]
pub enum EmailLinkError {
    /// Unknown, already used, expired, or the account changed since it was sent. One answer
    /// for all: the link itself is the only credential.
    #[error("this link is not valid or has expired; ask for a new one")]
    InvalidLink,
    /// The new password breaks the rules.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Too many hashes at once: 503.
    #[error("too many password changes at once, try again shortly")]
    Busy,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hasher(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Email verification and password reset by emailed single-use links (token of 256 bits,
/// stored as its SHA-256 digest; 24 hours to verify, 15 minutes to reset).
///
/// Mail is handed to the [`Mailer`] only after the token is committed, so a link in a mailbox
/// always works; a mailer failure is logged and does not undo the request (the mailer keeps
/// what it could not deliver). Requests that name an email answer the same whether or not an
/// account has it (no enumeration, ASVS 6.3.8).
pub struct EmailLinks {
    users: Arc<dyn UserRepository>,
    tokens: Arc<dyn EmailTokenRepository>,
    mailer: Arc<dyn Mailer>,
    hasher: Arc<dyn PasswordHasher>,
    sign_out: Arc<SignOutEverywhere>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    policy: PasswordPolicy,
    targets: LinkTargets,
    budget: Arc<dyn MailBudget>,
    audit: Option<Arc<dyn AuditLog>>,
}

/// The kinds of mail the per-account budget counts.
const RESET_MAIL: &str = "reset";
const VERIFY_MAIL: &str = "verify";
const NOTICE_MAIL: &str = "notice";

impl EmailLinks {
    /// Builds the service; links point at `targets` (given by the HTTP adapter).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        users: Arc<dyn UserRepository>,
        tokens: Arc<dyn EmailTokenRepository>,
        mailer: Arc<dyn Mailer>,
        hasher: Arc<dyn PasswordHasher>,
        sign_out: Arc<SignOutEverywhere>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        policy: PasswordPolicy,
        targets: LinkTargets,
    ) -> Self {
        Self {
            users,
            tokens,
            mailer,
            hasher,
            sign_out,
            clock,
            rng,
            policy,
            targets,
            budget: Arc::new(UnlimitedMail),
            audit: None,
        }
    }

    /// Records links used, or refused as unknown or expired, in `audit`.
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Audits a link used (success, with whose account) or refused (an unknown, used or
    /// expired link: worth seeing when someone tries many). Refused passwords and server
    /// faults are not link events.
    fn audit_link(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        result: &Result<UserId, EmailLinkError>,
    ) {
        let event = match result {
            Ok(user) => ctx
                .audit(action, AuditOutcome::Success)
                .actor(user.as_str())
                .subject(user.as_str()),
            Err(EmailLinkError::InvalidLink) => ctx
                .audit(action, AuditOutcome::Failure)
                .detail("invalid or expired link"),
            Err(_) => return,
        };
        if let Some(audit) = &self.audit {
            audit.record(event);
        }
    }

    /// Caps the reset and verification mails one account can be sent through the public
    /// endpoints; past it requests answer the same and send nothing.
    pub fn with_mail_budget(mut self, budget: Arc<dyn MailBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The password rules a new password must meet (the reset page states the minimum).
    pub fn password_policy(&self) -> PasswordPolicy {
        self.policy
    }

    /// Sends `user` a link that verifies their current address.
    pub async fn send_verification(&self, user: &User) -> Result<(), EmailLinkError> {
        let link = self
            .issue(
                user,
                EmailTokenPurpose::VerifyEmail,
                &self.targets.verify_email,
            )
            .await?;
        let text = format!(
            "Hello,\n\nTo confirm that {email} is your address, open this link within 24 \
             hours:\n\n{link}\n\nIf you did not create an account, ignore this message.\n",
            email = user.email,
            link = link.expose_secret(),
        );
        self.mail(&user.email, "Confirm your email address", text)
            .await;
        Ok(())
    }

    /// Tells the owner of `email` that someone tried to register it (ASVS 6.3.8: the
    /// registration itself answers as for a new address). No link and no token: only a hint
    /// where to ask for a password reset. Nothing is sent when no enabled account has it.
    pub async fn send_registration_notice(&self, email: &Email) -> Result<(), EmailLinkError> {
        let Some(user) = self.find_enabled_by(email).await? else {
            return Ok(());
        };
        if !self.within_budget(&user, NOTICE_MAIL) {
            return Ok(());
        }
        let text = format!(
            "Hello,\n\nSomeone tried to create a new account with {email}, which already has \
             an account here. No new account was created and nothing was changed.\n\nIf it \
             was you: sign in with your password. If you have forgotten it, ask for a password \
             reset for this address (the \"Forgot your password?\" link of the app you use, \
             or {reset}).\n\nIf it was not you, ignore this message: your account stays as it is.\n",
            email = user.email,
            reset = self.targets.password_reset_request,
        );
        self.mail(
            &user.email,
            "Someone tried to register with your address",
            text,
        )
        .await;
        log::info!("registration notice sent to user {}", user.id);
        Ok(())
    }

    /// `POST /users/verify-email/resend`: a new link for an unverified, enabled account with
    /// this email, within the account's mail budget; nothing otherwise, with the same answer.
    pub async fn resend_verification(&self, email: &str) -> Result<(), EmailLinkError> {
        if let Some(user) = self.find_enabled(email).await? {
            if !user.email_verified {
                if !self.within_budget(&user, VERIFY_MAIL) {
                    return Ok(());
                }
                self.send_verification(&user).await?;
            }
        }
        Ok(())
    }

    /// Uses a verification link: marks the address it was sent to as verified; returns whose.
    /// The use, or a refused link, is audited.
    pub async fn verify_email(
        &self,
        ctx: &RequestContext,
        token: &str,
    ) -> Result<UserId, EmailLinkError> {
        let result = self.use_verification(token).await;
        self.audit_link(ctx, AuditAction::EmailVerified, &result);
        result
    }

    async fn use_verification(&self, token: &str) -> Result<UserId, EmailLinkError> {
        let now = self.clock.now();
        let stored = self
            .tokens
            .consume(&TokenDigest::of(token), EmailTokenPurpose::VerifyEmail, now)
            .await?
            .filter(|t| !t.is_expired(now))
            .ok_or(EmailLinkError::InvalidLink)?;
        if !self
            .users
            .mark_email_verified(&stored.user_id, &stored.email)
            .await?
        {
            return Err(EmailLinkError::InvalidLink);
        }
        log::info!("user {} verified their email", stored.user_id);
        Ok(stored.user_id)
    }

    /// `POST /users/password-reset`: mails a reset link if an enabled account has this
    /// email and its mail budget allows; the same answer either way. Links already mailed
    /// keep working until they expire or one of them is used, so nobody can cut a locked-out
    /// owner's way back in by asking for more.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), EmailLinkError> {
        let Some(user) = self.find_enabled(email).await? else {
            log::info!("password reset asked for an address with no enabled account");
            return Ok(());
        };
        if !self.within_budget(&user, RESET_MAIL) {
            return Ok(());
        }
        let link = self
            .issue(
                &user,
                EmailTokenPurpose::ResetPassword,
                &self.targets.reset_password,
            )
            .await?;
        let text = format!(
            "Hello,\n\nSomeone asked to reset the password of the account {email}. To choose a \
             new password, open this link within 15 minutes:\n\n{link}\n\nIf it was not you, \
             ignore this message: your password stays as it is.\n",
            email = user.email,
            link = link.expose_secret(),
        );
        self.mail(&user.email, "Reset your password", text).await;
        log::info!("password reset link sent to user {}", user.id);
        Ok(())
    }

    /// Whether a reset link still works (the page shows the form only then).
    pub async fn reset_link_is_valid(&self, token: &str) -> Result<bool, EmailLinkError> {
        let now = self.clock.now();
        Ok(self
            .tokens
            .find(
                &TokenDigest::of(token),
                EmailTokenPurpose::ResetPassword,
                now,
            )
            .await?
            .is_some_and(|t| !t.is_expired(now)))
    }

    /// Uses a reset link: sets the new password (same rules as registration), then signs the
    /// user out everywhere. The link is used up only once the password is accepted, so a
    /// refused password can be corrected. Following the link proves the mailbox, so it also
    /// verifies the address and lifts a lockout.
    /// The use, or a refused link, is audited.
    pub async fn confirm_password_reset(
        &self,
        ctx: &RequestContext,
        token: &str,
        password: SecretString,
    ) -> Result<UserId, EmailLinkError> {
        let result = self.reset_password(token, password).await;
        self.audit_link(ctx, AuditAction::PasswordReset, &result);
        result
    }

    async fn reset_password(
        &self,
        token: &str,
        password: SecretString,
    ) -> Result<UserId, EmailLinkError> {
        let digest = TokenDigest::of(token);
        let now = self.clock.now();
        let pending = self
            .tokens
            .find(&digest, EmailTokenPurpose::ResetPassword, now)
            .await?
            .filter(|t| !t.is_expired(now))
            .ok_or(EmailLinkError::InvalidLink)?;
        let user = self
            .users
            .find(&pending.user_id)
            .await?
            .filter(|u| !u.disabled && u.email == pending.email)
            .ok_or(EmailLinkError::InvalidLink)?;
        let password = Password::parse_for(password.expose_secret(), self.policy, &user.email)?;
        let phc = self
            .hasher
            .hash(SecretString::from(password.expose().to_owned()))
            .await
            .map_err(|e| match e {
                HashError::Busy => EmailLinkError::Busy,
                other => EmailLinkError::Hasher(other.to_string()),
            })?;
        // The atomic step: of two racing confirmations, one gets here.
        self.tokens
            .consume(&digest, EmailTokenPurpose::ResetPassword, now)
            .await?
            .ok_or(EmailLinkError::InvalidLink)?;
        self.users.update_password_hash(&user.id, &phc).await?;
        self.users.reset_login_failures(&user.id).await?;
        self.users
            .mark_email_verified(&user.id, &pending.email)
            .await?;
        self.tokens
            .delete_for_user(&user.id, EmailTokenPurpose::ResetPassword)
            .await?;
        self.sign_out.run(&user.id).await?;
        log::info!("user {} reset their password", user.id);
        Ok(user.id)
    }

    async fn find_enabled(&self, email: &str) -> Result<Option<User>, RepositoryError> {
        match Email::parse(email) {
            Ok(email) => self.find_enabled_by(&email).await,
            Err(_) => Ok(None),
        }
    }

    async fn find_enabled_by(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        Ok(self
            .users
            .find_by_email(email)
            .await?
            .filter(|u| !u.disabled))
    }

    /// Takes one mail of `kind` from `user`'s budget; logs when it is spent.
    fn within_budget(&self, user: &User, kind: &str) -> bool {
        let ok = self.budget.try_take(&user.id, kind);
        if !ok {
            log::info!("{kind} mail for user {} not sent: budget spent", user.id);
        }
        ok
    }

    /// Stores a new token for `user` and returns the link that carries it.
    async fn issue(
        &self,
        user: &User,
        purpose: EmailTokenPurpose,
        target: &str,
    ) -> Result<SecretString, RepositoryError> {
        let token = random_token(self.rng.as_ref(), 32);
        let stored = EmailToken::new(
            TokenDigest::of(&token),
            user.id.clone(),
            purpose,
            user.email.clone(),
            self.clock.now(),
        );
        self.tokens.insert(&stored).await?;
        Ok(SecretString::from(format!("{target}?token={token}")))
    }

    async fn mail(&self, to: &Email, subject: &str, text: String) {
        let mail = OutgoingMail {
            to: to.clone(),
            subject: subject.to_owned(),
            text,
        };
        if let Err(e) = self.mailer.send(mail).await {
            log::error!("could not hand a message over for delivery: {e}");
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ports::{
        MockEmailTokenRepository, MockMailer, MockPasswordHasher, MockRefreshTokenRepository,
        MockRevocationRepository, MockSessionRepository, MockUserRepository,
    };
    use crate::services::test_support::{self as ts, Recorder, ISS, USER_ID};
    use mockall::Sequence;
    use tessera_domain::UnixTime;

    pub(crate) const NOW: i64 = 80_000;
    const NEW_PASSWORD: &str = "a long and quite unusual passphrase";

    /// The sign-out service over mocks that expect to be used `times` times.
    pub(crate) fn sign_out(times: usize) -> Arc<SignOutEverywhere> {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_delete_for_user()
            .times(times)
            .returning(|_| Ok(1));
        let mut refresh = MockRefreshTokenRepository::new();
        refresh
            .expect_revoke_for_user()
            .times(times)
            .returning(|_| Ok(vec!["fam".into()]));
        // The refresh family's grant, and one of a code that issued no refresh token: both
        // are denylisted.
        let codes =
            crate::services::sign_out_everywhere::tests::codes_ending(&["fam", "code"], times);
        let mut revocations = MockRevocationRepository::new();
        revocations
            .expect_revoke()
            .times(times * 2)
            .returning(|_, _| Ok(()));
        Arc::new(SignOutEverywhere::new(
            Arc::new(sessions),
            Arc::new(codes),
            Arc::new(refresh),
            Arc::new(revocations),
            ts::clock_at(NOW),
            930,
        ))
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_hash()
            .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
        hasher
    }

    pub(crate) fn links(
        users: MockUserRepository,
        tokens: MockEmailTokenRepository,
        mailer: MockMailer,
        hasher: MockPasswordHasher,
        sign_out: Arc<SignOutEverywhere>,
    ) -> EmailLinks {
        EmailLinks::new(
            Arc::new(users),
            Arc::new(tokens),
            Arc::new(mailer),
            Arc::new(hasher),
            sign_out,
            ts::clock_at(NOW),
            ts::counting_rng(),
            PasswordPolicy::default(),
            targets(),
        )
    }

    fn stored(purpose: EmailTokenPurpose, token: &str, created: i64) -> EmailToken {
        EmailToken::new(
            TokenDigest::of(token),
            UserId::parse(USER_ID).unwrap(),
            purpose,
            ts::user().email,
            UnixTime::from_secs(created),
        )
    }

    pub(crate) fn ctx() -> RequestContext {
        RequestContext::internal(UnixTime::from_secs(NOW))
    }

    /// Test paths: the real ones belong to the HTTP adapter.
    pub(crate) const VERIFY_EMAIL_PATH: &str = "/test/verify";
    pub(crate) const RESET_PASSWORD_PATH: &str = "/test/reset";
    pub(crate) const PASSWORD_RESET_REQUEST_PATH: &str = "/test/forgot";

    /// Link targets under [`ISS`] at the test paths.
    pub(crate) fn targets() -> LinkTargets {
        LinkTargets {
            verify_email: format!("{ISS}{VERIFY_EMAIL_PATH}"),
            reset_password: format!("{ISS}{RESET_PASSWORD_PATH}"),
            password_reset_request: format!("{ISS}{PASSWORD_RESET_REQUEST_PATH}"),
        }
    }

    /// The token in the one link of `mail`.
    pub(crate) fn link_token(mail: &OutgoingMail, path: &str) -> String {
        let prefix = format!("{ISS}{path}?token=");
        let start = mail.text.find(&prefix).expect("a link") + prefix.len();
        mail.text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }

    /// Token inserts recorded, then mail sent: the order is enforced by `seq`.
    pub(crate) fn tokens_then_mail(
        seq: &mut Sequence,
        inserted: &Recorder<EmailToken>,
        mailed: &Recorder<OutgoingMail>,
    ) -> (MockEmailTokenRepository, MockMailer) {
        let mut tokens = MockEmailTokenRepository::new();
        let i = inserted.clone();
        tokens
            .expect_insert()
            .times(1)
            .in_sequence(seq)
            .returning(move |t| {
                i.push(t.clone());
                Ok(())
            });
        let mut mailer = MockMailer::new();
        let m = mailed.clone();
        mailer
            .expect_send()
            .times(1)
            .in_sequence(seq)
            .returning(move |mail| {
                m.push(mail);
                Ok(())
            });
        (tokens, mailer)
    }

    #[tokio::test]
    async fn verification_mail_goes_out_after_the_token_is_stored() {
        let (inserted, mailed) = (Recorder::default(), Recorder::default());
        let mut seq = Sequence::new();
        let (tokens, mailer) = tokens_then_mail(&mut seq, &inserted, &mailed);
        let links = links(
            MockUserRepository::new(),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links.send_verification(&ts::user()).await.unwrap();
        let mail = mailed.only();
        assert_eq!(mail.to, ts::user().email);
        let token = link_token(&mail, VERIFY_EMAIL_PATH);
        assert!(token.len() >= 43, "256 bits, base64url");
        let row = inserted.only();
        assert_eq!(row.digest, TokenDigest::of(&token), "stored only as digest");
        assert_eq!(row.purpose, EmailTokenPurpose::VerifyEmail);
        assert_eq!(row.expires_at, UnixTime::from_secs(NOW + 86_400));
        assert!(!mail.text.contains(&format!("{ISS}//")), "one slash");
    }

    #[tokio::test]
    async fn a_failed_handover_to_the_mailer_does_not_fail_the_request() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens.expect_insert().returning(|_| Ok(()));
        let mut mailer = MockMailer::new();
        mailer
            .expect_send()
            .returning(|_| Err(crate::ports::MailError::Unavailable("full".into())));
        let links = links(
            MockUserRepository::new(),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links.send_verification(&ts::user()).await.unwrap();
    }

    #[tokio::test]
    async fn a_token_that_cannot_be_stored_sends_no_mail() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens
            .expect_insert()
            .returning(|_| Err(RepositoryError::Unavailable));
        let mut mailer = MockMailer::new();
        mailer.expect_send().never();
        let links = links(
            MockUserRepository::new(),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        assert!(links.send_verification(&ts::user()).await.is_err());
    }

    #[tokio::test]
    async fn verifying_uses_the_token_up_and_marks_the_address_it_was_sent_to() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens
            .expect_consume()
            .withf(|d, p, now| {
                *d == TokenDigest::of("tok")
                    && *p == EmailTokenPurpose::VerifyEmail
                    && *now == UnixTime::from_secs(NOW)
            })
            .times(1)
            .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 10))));
        tokens.expect_consume().returning(|_, _, _| Ok(None));
        let mut users = MockUserRepository::new();
        users
            .expect_mark_email_verified()
            .withf(|id, email| id.as_str() == USER_ID && *email == ts::user().email)
            .times(1)
            .returning(|_, _| Ok(true));
        let links = links(
            users,
            tokens,
            MockMailer::new(),
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links.verify_email(&ctx(), "tok").await.unwrap();
        assert!(matches!(
            links.verify_email(&ctx(), "tok").await,
            Err(EmailLinkError::InvalidLink)
        ));
    }

    #[tokio::test]
    async fn a_verification_link_for_a_changed_address_fails() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens
            .expect_consume()
            .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 10))));
        let mut users = MockUserRepository::new();
        users
            .expect_mark_email_verified()
            .returning(|_, _| Ok(false));
        let links = links(
            users,
            tokens,
            MockMailer::new(),
            MockPasswordHasher::new(),
            sign_out(0),
        );
        assert!(matches!(
            links.verify_email(&ctx(), "tok").await,
            Err(EmailLinkError::InvalidLink)
        ));
    }

    fn users_with(user: Option<User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        let u = user.clone();
        users
            .expect_find_by_email()
            .returning(move |_| Ok(u.clone()));
        users.expect_find().returning(move |_| Ok(user.clone()));
        users
    }

    /// ASVS 6.3.8: unknown, malformed and disabled accounts get the same `Ok` and no mail.
    #[tokio::test]
    async fn reset_requests_answer_alike_and_mail_only_real_accounts() {
        let mut disabled = ts::user();
        disabled.disabled = true;
        for (email, user) in [
            ("nobody@example.com", None),
            ("not an email", None),
            ("alice@example.com", Some(disabled)),
        ] {
            let mut mailer = MockMailer::new();
            mailer.expect_send().never();
            let mut tokens = MockEmailTokenRepository::new();
            tokens.expect_insert().never();
            let links = links(
                users_with(user),
                tokens,
                mailer,
                MockPasswordHasher::new(),
                sign_out(0),
            );
            links.request_password_reset(email).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_reset_request_keeps_older_links_and_mails_a_fifteen_minute_one() {
        let (inserted, mailed) = (Recorder::default(), Recorder::default());
        let mut seq = Sequence::new();
        let mut tokens = MockEmailTokenRepository::new();
        // A link already mailed stays usable: asking again must not cut the owner's way in.
        tokens.expect_delete_for_user().never();
        let i = inserted.clone();
        tokens
            .expect_insert()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |t| {
                i.push(t.clone());
                Ok(())
            });
        let mut mailer = MockMailer::new();
        let m = mailed.clone();
        mailer
            .expect_send()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |mail| {
                m.push(mail);
                Ok(())
            });
        let links = links(
            users_with(Some(ts::user())),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links
            .request_password_reset("Alice@Example.com")
            .await
            .unwrap();
        let row = inserted.only();
        assert_eq!(row.purpose, EmailTokenPurpose::ResetPassword);
        assert_eq!(row.expires_at, UnixTime::from_secs(NOW + 900));
        let token = link_token(&mailed.only(), RESET_PASSWORD_PATH);
        assert_eq!(row.digest, TokenDigest::of(&token));
    }

    /// Allows `n` mails in all.
    struct Allow(std::sync::atomic::AtomicU32);

    impl MailBudget for Allow {
        fn try_take(&self, _user: &UserId, _kind: &str) -> bool {
            self.0
                .fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |n| n.checked_sub(1),
                )
                .is_ok()
        }
    }

    #[tokio::test]
    async fn asvs_6_3_8_reset_mails_per_account_stop_at_the_budget_with_the_same_answer() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens.expect_insert().times(2).returning(|_| Ok(()));
        let mut mailer = MockMailer::new();
        mailer.expect_send().times(2).returning(|_| Ok(()));
        let links = links(
            users_with(Some(ts::user())),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        )
        .with_mail_budget(Arc::new(Allow(2.into())));
        for _ in 0..5 {
            links
                .request_password_reset("alice@example.com")
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn asvs_6_3_8_registration_notices_per_account_stop_at_the_budget() {
        let mut mailer = MockMailer::new();
        mailer.expect_send().times(1).returning(|_| Ok(()));
        let links = links(
            users_with(Some(ts::user())),
            MockEmailTokenRepository::new(),
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        )
        .with_mail_budget(Arc::new(Allow(1.into())));
        let email = Email::parse("alice@example.com").unwrap();
        for _ in 0..4 {
            links.send_registration_notice(&email).await.unwrap();
        }
    }

    /// A reset store holding one live token "tok" for Alice, consumed at most once.
    fn reset_tokens(created: i64) -> MockEmailTokenRepository {
        let mut tokens = MockEmailTokenRepository::new();
        tokens
            .expect_find()
            .withf(|d, p, _| *d == TokenDigest::of("tok") && *p == EmailTokenPurpose::ResetPassword)
            .returning(move |_, p, _| Ok(Some(stored(p, "tok", created))));
        tokens.expect_find().returning(|_, _, _| Ok(None));
        tokens
            .expect_consume()
            .times(1)
            .returning(move |_, p, _| Ok(Some(stored(p, "tok", created))));
        tokens.expect_delete_for_user().returning(|_, _| Ok(0));
        tokens
    }

    #[tokio::test]
    async fn confirming_a_reset_sets_the_password_and_signs_out_everywhere() {
        let hashes: Recorder<String> = Recorder::default();
        let mut users = users_with(Some(ts::user()));
        let h = hashes.clone();
        users
            .expect_update_password_hash()
            .times(1)
            .returning(move |_, phc| {
                h.push(phc.to_owned());
                Ok(())
            });
        users
            .expect_reset_login_failures()
            .times(1)
            .returning(|_| Ok(()));
        users
            .expect_mark_email_verified()
            .times(1)
            .returning(|_, _| Ok(true));
        let links = links(
            users,
            reset_tokens(NOW - 60),
            MockMailer::new(),
            hasher(),
            sign_out(1),
        );
        assert!(links.reset_link_is_valid("tok").await.unwrap());
        assert!(!links.reset_link_is_valid("other").await.unwrap());
        links
            .confirm_password_reset(&ctx(), "tok", NEW_PASSWORD.to_owned().into())
            .await
            .unwrap();
        assert_eq!(hashes.only(), "$argon2id$v=19$new");
    }

    #[tokio::test]
    async fn a_refused_password_keeps_the_link_usable() {
        let mut tokens = MockEmailTokenRepository::new();
        tokens
            .expect_find()
            .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 60))));
        tokens.expect_consume().never();
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().never();
        let links = links(
            users_with(Some(ts::user())),
            tokens,
            MockMailer::new(),
            hasher,
            sign_out(0),
        );
        for weak in ["short", "password123456789", "alice-alice-alice-alice"] {
            let r = links
                .confirm_password_reset(&ctx(), "tok", weak.to_owned().into())
                .await;
            assert!(
                matches!(r, Err(EmailLinkError::Password(_))),
                "{weak}: {r:?}"
            );
        }
    }

    /// the link is used up atomically; a lost race or a second use sets nothing.
    #[tokio::test]
    async fn a_used_or_expired_link_changes_nothing() {
        // Already used: found by a racing request, but the consume comes back empty.
        let mut raced = MockEmailTokenRepository::new();
        raced
            .expect_find()
            .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 60))));
        raced.expect_consume().returning(|_, _, _| Ok(None));
        // Expired: a store that still returns it (the service checks too).
        let mut expired = MockEmailTokenRepository::new();
        expired
            .expect_find()
            .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 900))));
        expired.expect_consume().never();
        for (tokens, hashes) in [(raced, 1), (expired, 0)] {
            let mut users = users_with(Some(ts::user()));
            users.expect_update_password_hash().never();
            let mut hasher = MockPasswordHasher::new();
            hasher
                .expect_hash()
                .times(hashes)
                .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
            let links = links(users, tokens, MockMailer::new(), hasher, sign_out(0));
            assert!(matches!(
                links
                    .confirm_password_reset(&ctx(), "tok", NEW_PASSWORD.to_owned().into())
                    .await,
                Err(EmailLinkError::InvalidLink)
            ));
        }
    }

    #[tokio::test]
    async fn resend_mails_only_unverified_accounts() {
        let mut unverified = ts::user();
        unverified.email_verified = false;
        for (user, mails) in [(Some(ts::user()), 0), (Some(unverified), 1), (None, 0)] {
            let mut tokens = MockEmailTokenRepository::new();
            tokens.expect_insert().times(mails).returning(|_| Ok(()));
            let mut mailer = MockMailer::new();
            mailer.expect_send().times(mails).returning(|_| Ok(()));
            let links = links(
                users_with(user),
                tokens,
                mailer,
                MockPasswordHasher::new(),
                sign_out(0),
            );
            links
                .resend_verification("alice@example.com")
                .await
                .unwrap();
        }
    }
}
