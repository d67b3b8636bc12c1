use crate::ports::AuditLog;
use crate::ports::{
    random_token, Clock, EmailTokenRepository, HashError, MailBudget, Mailer, OutgoingMail,
    PasswordHasher, RandomSource, UnlimitedMail, UserRepository,
};
use crate::services::fault_code::repository_fault_code;
use crate::services::{LinkTargets, SignOutEverywhere};
use crate::{OAuthErrorCode, RepositoryError, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditOutcome, Email, EmailToken, EmailTokenPurpose, PasswordError, PasswordPolicy,
    TokenDigest, User, UserId,
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
    #[error("{0}")]
    Hasher(#[source] HashError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl EmailLinkError {
    /// The code of the refusal: a bad link is an invalid token, whatever made it bad.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidLink => OAuthErrorCode::InvalidToken,
            Self::Password(_) => OAuthErrorCode::InvalidRequest,
            Self::Busy => OAuthErrorCode::TemporarilyUnavailable,
            Self::Hasher(_) => OAuthErrorCode::ServerError,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
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

/// The ports and services the email links reach. Named fields, so the wiring cannot swap two
/// of the same type.
pub struct EmailLinksDeps {
    /// The accounts the links are about.
    pub users: Arc<dyn UserRepository>,
    /// The links' digests, expiry and single use.
    pub tokens: Arc<dyn EmailTokenRepository>,
    /// Hands the mail over for delivery.
    pub mailer: Arc<dyn Mailer>,
    /// Hashes the new password of a reset.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Ends every session and grant after a reset.
    pub sign_out: Arc<SignOutEverywhere>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The link tokens.
    pub rng: Arc<dyn RandomSource>,
}

/// The kinds of mail the per-account budget counts.
const RESET_MAIL: &str = "reset";
const VERIFY_MAIL: &str = "verify";
const NOTICE_MAIL: &str = "notice";

impl EmailLinks {
    /// Builds the service; links point at `targets` (given by the HTTP adapter).
    pub fn new(deps: EmailLinksDeps, policy: PasswordPolicy, targets: LinkTargets) -> Self {
        let EmailLinksDeps {
            users,
            tokens,
            mailer,
            hasher,
            sign_out,
            clock,
            rng,
        } = deps;
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
        self.send_verification_returning(user, None).await
    }

    /// [`Self::send_verification`] with a link that also carries `return_to` (a path the
    /// HTTP edge checked and checks again when the link comes back), so the page behind it
    /// can lead the person back to where they started (the authorization request).
    pub async fn send_verification_returning(
        &self,
        user: &User,
        return_to: Option<&str>,
    ) -> Result<(), EmailLinkError> {
        let target = with_return_to(&self.targets.verify_email, return_to);
        let link = self
            .issue(user, EmailTokenPurpose::VerifyEmail, &target)
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
        if !self.within_budget(&user, NOTICE_MAIL).await {
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
        self.resend_verification_returning(email, None).await
    }

    /// [`Self::resend_verification`] whose link carries `return_to` (see
    /// [`Self::send_verification_returning`]).
    pub async fn resend_verification_returning(
        &self,
        email: &str,
        return_to: Option<&str>,
    ) -> Result<(), EmailLinkError> {
        if let Some(user) = self.find_enabled(email).await? {
            if !user.email_verified {
                if !self.within_budget(&user, VERIFY_MAIL).await {
                    return Ok(());
                }
                self.send_verification_returning(&user, return_to).await?;
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
    async fn within_budget(&self, user: &User, kind: &str) -> bool {
        let ok = self.budget.try_take(&user.id, kind).await;
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
        let sep = if target.contains('?') { '&' } else { '?' };
        Ok(SecretString::from(format!("{target}{sep}token={token}")))
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

/// `target` with `?return_to=…` (percent-encoded) when there is one.
fn with_return_to(target: &str, return_to: Option<&str>) -> String {
    match return_to {
        Some(r) if !r.is_empty() => format!("{target}?return_to={}", percent_encode(r)),
        _ => target.to_owned(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

mod password_reset;
#[cfg(test)]
pub(crate) mod tests;
