//! Password reset by emailed link: asking for a link, checking it, and using it to set a new
//! password. The verification half lives in the parent module.

use super::{EmailLinkError, EmailLinks, RESET_MAIL};
use crate::ports::HashError;
use crate::RequestContext;
use secrecy::{ExposeSecret, SecretString};
use tessera_domain::{AuditAction, EmailTokenPurpose, Password, TokenDigest, UserId};

impl EmailLinks {
    /// `POST /users/password-reset`: mails a reset link if an enabled account has this
    /// email and its mail budget allows; the same answer either way. Links already mailed
    /// keep working until they expire or one of them is used, so nobody can cut a locked-out
    /// owner's way back in by asking for more.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), EmailLinkError> {
        self.request_password_reset_returning(email, None).await
    }

    /// [`Self::request_password_reset`] whose link carries `return_to` (see
    /// [`Self::send_verification_returning`]): the browser's "Forgot your password?" page.
    pub async fn request_password_reset_returning(
        &self,
        email: &str,
        return_to: Option<&str>,
    ) -> Result<(), EmailLinkError> {
        let Some(user) = self.find_enabled(email).await? else {
            log::info!("password reset asked for an address with no enabled account");
            return Ok(());
        };
        if !self.within_budget(&user, RESET_MAIL).await {
            return Ok(());
        }
        let target = super::with_return_to(&self.targets.reset_password, return_to);
        let link = self
            .issue(&user, EmailTokenPurpose::ResetPassword, &target)
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
                other => EmailLinkError::Hasher(other),
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
}
