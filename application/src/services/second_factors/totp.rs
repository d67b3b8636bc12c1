//! TOTP enrolment: start (a new secret, shown once), confirm with a code (recovery codes
//! handed out), turn off and renew the recovery codes (each needs a current code).

use super::{SecondFactorError, SecondFactors};
use crate::ports::{MailTemplate, StoredTotp};
use crate::{RepositoryError, RequestContext};
use secrecy::SecretString;
use tessera_domain::{AuditAction, TotpSecret, User};

/// A started enrolment: what the person types or scans into an authenticator app. Shown
/// once; the secret is stored only encrypted.
#[derive(Debug)]
pub struct TotpEnrolment {
    /// The secret in Base32.
    pub secret: SecretString,
    /// The `otpauth://totp/…` URI the QR code carries.
    pub otpauth_uri: SecretString,
}

impl SecondFactors {
    /// Starts (or restarts) a TOTP enrolment: a new 160-bit secret, stored encrypted and
    /// unconfirmed; TOTP is not on until [`Self::confirm_totp`]. `AlreadyEnabled` when on.
    pub async fn begin_totp(&self, user: &User) -> Result<TotpEnrolment, SecondFactorError> {
        let mut bytes = [0u8; 20];
        self.deps.rng.fill(&mut bytes);
        let secret = TotpSecret::from_bytes(bytes);
        let otpauth_uri = secret
            .otpauth_uri(&self.deps.issuer_name, user.email.as_str())
            .map_err(|e| crate::errors::CryptoError::backend(e.to_string()))?;
        let secret_ciphertext = self
            .deps
            .cipher
            .encrypt(secret.as_bytes(), user.id.as_str().as_bytes())?;
        let stored = StoredTotp {
            user_id: user.id.clone(),
            secret_ciphertext,
            confirmed: false,
            last_step: None,
            created_at: self.deps.clock.now(),
        };
        match self.deps.factors.put_unconfirmed_totp(&stored).await {
            Ok(()) => {}
            Err(RepositoryError::Conflict) => return Err(SecondFactorError::AlreadyEnabled),
            Err(e) => return Err(e.into()),
        }
        Ok(TotpEnrolment {
            secret: SecretString::from(secret.base32()),
            otpauth_uri: SecretString::from(otpauth_uri),
        })
    }

    /// Confirms the enrolment with a current code: TOTP is on, and ten recovery codes are
    /// returned (shown once, stored as digests). A wrong code counts toward the lockout.
    pub async fn confirm_totp(
        &self,
        ctx: &RequestContext,
        user: &User,
        code: &SecretString,
    ) -> Result<Vec<SecretString>, SecondFactorError> {
        use secrecy::ExposeSecret;
        let stored = match self.deps.factors.totp(&user.id).await? {
            Some(t) if t.confirmed => return Err(SecondFactorError::AlreadyEnabled),
            Some(t) => t,
            None => return Err(SecondFactorError::NotEnrolling),
        };
        let secret = self.decrypt(&stored)?;
        let Some(step) = secret.matching_step(code.expose_secret(), ctx.now) else {
            self.count_failure(ctx, user).await?;
            return Err(SecondFactorError::InvalidCode);
        };
        let (codes, digests) = self.new_recovery_codes();
        if !self
            .deps
            .factors
            .confirm_totp(&user.id, step, &digests, ctx.now)
            .await?
        {
            return Err(SecondFactorError::NotEnrolling);
        }
        self.audit_change(ctx, user, AuditAction::MfaEnabled, "totp");
        self.mail_with(
            MailTemplate::new("totp_on", &[]),
            user,
            "Two-step sign-in is on",
            "An authenticator app was set up as a second factor for your account. From now on \
             signing in asks for a code from it.\n\nIf this was not you, reset your password \
             at once and ask an administrator to reset your second factors."
                .to_owned(),
        )
        .await;
        Ok(codes)
    }

    /// Turns TOTP off (and voids the recovery codes); needs a current TOTP or recovery code.
    pub async fn disable_totp(
        &self,
        ctx: &RequestContext,
        user: &User,
        otp: &SecretString,
    ) -> Result<(), SecondFactorError> {
        self.require_totp(&user.id).await?;
        self.verify_otp(ctx, user, otp, false).await?;
        self.deps.factors.delete_totp(&user.id).await?;
        self.audit_change(ctx, user, AuditAction::MfaDisabled, "totp");
        self.mail_with(
            MailTemplate::new("totp_off", &[]),
            user,
            "Two-step sign-in is off",
            "The authenticator app was removed from your account, with its recovery codes.\n\n\
             If this was not you, reset your password at once."
                .to_owned(),
        )
        .await;
        Ok(())
    }

    /// Replaces the recovery codes with ten new ones; needs a current TOTP or recovery code.
    pub async fn renew_recovery_codes(
        &self,
        ctx: &RequestContext,
        user: &User,
        otp: &SecretString,
    ) -> Result<Vec<SecretString>, SecondFactorError> {
        self.require_totp(&user.id).await?;
        self.verify_otp(ctx, user, otp, false).await?;
        let (codes, digests) = self.new_recovery_codes();
        self.deps
            .factors
            .replace_recovery_codes(&user.id, &digests, ctx.now)
            .await?;
        self.audit_change(ctx, user, AuditAction::RecoveryCodesRenewed, "10 new codes");
        self.mail_with(
            MailTemplate::new("recovery_codes_renewed", &[]),
            user,
            "New recovery codes",
            "New recovery codes were created for your account; the old ones no longer work.\n\n\
             If this was not you, reset your password at once."
                .to_owned(),
        )
        .await;
        Ok(codes)
    }

    async fn require_totp(&self, user: &tessera_domain::UserId) -> Result<(), SecondFactorError> {
        match self.deps.factors.totp(user).await? {
            Some(t) if t.confirmed => Ok(()),
            _ => Err(SecondFactorError::NotEnabled),
        }
    }
}
