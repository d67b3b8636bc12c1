//! Second factors: TOTP with recovery codes (RFC 6238) and passkeys (WebAuthn), from
//! enrolment to the second step of a sign-in.
//!
//! Rules that hold everywhere (SECURITY.md, ASVS 6.5/6.6/6.7):
//! - a TOTP code is accepted for one time step either side and only once: the step is
//!   recorded atomically, so a replayed or raced code fails;
//! - a wrong code counts toward the account lockout exactly like a wrong password, and a
//!   locked account refuses codes too (a passkey cannot be guessed, so it is not refused);
//! - secrets are stored encrypted (TOTP) or as digests (recovery codes, challenge handles);
//! - every change and every recovery-code use is audited and mailed to the owner.

use crate::errors::CryptoError;
use crate::ports::{
    random_token, AuditLog, Challenge, ChallengePurpose, ChallengeRepository, Clock, KeyCipher,
    MailTemplate, Mailer, OutgoingMail, PasskeyCeremonies, PasskeyRepository, RandomSource,
    SecondFactorRepository, StoredTotp, UserRepository,
};
use crate::{RepositoryError, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditOutcome, AuthMethod, AuthMethods, LockoutPolicy, Passkey, RecoveryCode,
    TokenDigest, TotpSecret, User, UserId, RECOVERY_CODES,
};

mod errors;
mod passkeys;
mod step;
mod totp;

pub use errors::SecondFactorError;
pub use passkeys::{user_handle, PasskeyChallenge, PasskeySignIn};
pub use step::{PendingSignIn, PendingStep, SECOND_FACTOR_STEP_SECS};
pub use totp::TotpEnrolment;

/// What [`SecondFactors`] is built from. Named fields, so the wiring cannot swap two ports of
/// the same type.
pub struct SecondFactorsDeps {
    /// Accounts (lockout counts, the owner's address).
    pub users: Arc<dyn UserRepository>,
    /// TOTP enrolments and recovery codes.
    pub factors: Arc<dyn SecondFactorRepository>,
    /// Registered passkeys.
    pub passkeys: Arc<dyn PasskeyRepository>,
    /// Pending single-use ceremonies.
    pub challenges: Arc<dyn ChallengeRepository>,
    /// The WebAuthn relying party.
    pub ceremonies: Arc<dyn PasskeyCeremonies>,
    /// Encrypts TOTP secrets under their own derived key.
    pub cipher: Arc<dyn KeyCipher>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Secrets, recovery codes and handles.
    pub rng: Arc<dyn RandomSource>,
    /// Tells owners about changes to their factors.
    pub mailer: Arc<dyn Mailer>,
    /// Records every change and every second-factor attempt.
    pub audit: Arc<dyn AuditLog>,
    /// The name authenticator apps show for the account (the `otpauth` issuer).
    pub issuer_name: String,
    /// When failures lock an account (the same policy as passwords).
    pub lockout: LockoutPolicy,
}

/// A person's second factors as the account page and `GET /users/me/mfa` show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaStatus {
    /// TOTP is on (confirmed).
    pub totp: bool,
    /// Registered passkeys.
    pub passkeys: Vec<Passkey>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

impl MfaStatus {
    /// True when the account has any second factor.
    pub fn any(&self) -> bool {
        self.totp || !self.passkeys.is_empty()
    }
}

/// Enrolment, management and verification of second factors.
pub struct SecondFactors {
    deps: SecondFactorsDeps,
}

impl SecondFactors {
    /// Builds the use case.
    pub fn new(deps: SecondFactorsDeps) -> Self {
        Self { deps }
    }

    /// True when passkeys can be used at all (the issuer has a host name).
    pub fn passkeys_available(&self) -> bool {
        self.deps.ceremonies.available()
    }

    /// The account's factors.
    pub async fn status(&self, user: &UserId) -> Result<MfaStatus, SecondFactorError> {
        let totp = self
            .deps
            .factors
            .totp(user)
            .await?
            .is_some_and(|t| t.confirmed);
        let passkeys = self.deps.passkeys.list_for_user(user).await?;
        let recovery_codes_left = if totp {
            self.deps.factors.recovery_codes_left(user).await?
        } else {
            0
        };
        Ok(MfaStatus {
            totp,
            passkeys,
            recovery_codes_left,
        })
    }

    /// Checks a second-factor code of `user`: a TOTP code (six digits) or a recovery code.
    /// Returns the method it proves. A failure is counted by the account lockout; a locked
    /// account is refused unless `trusted` (a verified trusted-device cookie of this account).
    pub async fn verify_otp(
        &self,
        ctx: &RequestContext,
        user: &User,
        input: &SecretString,
        trusted: bool,
    ) -> Result<AuthMethods, SecondFactorError> {
        let now = ctx.now;
        if let Some(secs) = user
            .login_attempts
            .retry_after_secs(now)
            .filter(|_| !trusted)
        {
            self.audit_attempt(ctx, user, AuditOutcome::Failure, "account locked");
            return Err(SecondFactorError::Locked {
                retry_after_secs: secs,
            });
        }
        let code = input.expose_secret().trim();
        let accepted = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            self.accept_totp(user, code, now).await?
        } else {
            self.accept_recovery_code(ctx, user, code).await?
        };
        if !accepted {
            self.count_failure(ctx, user).await?;
            return Err(SecondFactorError::InvalidCode);
        }
        self.forget_failures(user).await?;
        self.audit_attempt(ctx, user, AuditOutcome::Success, "one-time code");
        Ok(AuthMethods::default().with(AuthMethod::OneTimePassword))
    }

    /// True when `code` is the TOTP code of a step after the last one used, which is then
    /// recorded (atomically: of two requests with one code, one wins).
    async fn accept_totp(
        &self,
        user: &User,
        code: &str,
        now: tessera_domain::UnixTime,
    ) -> Result<bool, SecondFactorError> {
        let Some(stored) = self.deps.factors.totp(&user.id).await? else {
            return Ok(false);
        };
        if !stored.confirmed {
            return Ok(false);
        }
        let secret = self.decrypt(&stored)?;
        let Some(step) = secret.matching_step(code, now) else {
            return Ok(false);
        };
        if stored.last_step.is_some_and(|last| step <= last) {
            log::info!("replayed TOTP code refused for user {}", user.id);
            return Ok(false);
        }
        Ok(self.deps.factors.use_totp_step(&user.id, step).await?)
    }

    /// True when `code` is one of the user's unused recovery codes, which is then spent,
    /// audited and mailed to the owner.
    async fn accept_recovery_code(
        &self,
        ctx: &RequestContext,
        user: &User,
        code: &str,
    ) -> Result<bool, SecondFactorError> {
        let Some(digest) = RecoveryCode::digest(code) else {
            return Ok(false);
        };
        if !self
            .deps
            .factors
            .use_recovery_code(&user.id, &digest, ctx.now)
            .await?
        {
            return Ok(false);
        }
        let left = self.deps.factors.recovery_codes_left(&user.id).await?;
        self.audit_change(
            ctx,
            user,
            AuditAction::RecoveryCodeUsed,
            &format!("{left} left"),
        );
        self.mail_with(
            MailTemplate::new("recovery_code_used", &[("left", &left.to_string())]),
            user,
            "A recovery code was used",
            format!(
                "A recovery code was just used to sign in to your account ({left} left).\n\n\
                 If this was not you, sign in, change your password and create new recovery \
                 codes on your account page."
            ),
        )
        .await;
        Ok(true)
    }

    /// Forgets the account's failed attempts after a passed second factor (nothing to write
    /// when `user`, as just read, has none).
    async fn forget_failures(&self, user: &User) -> Result<(), SecondFactorError> {
        if user.login_attempts != tessera_domain::LoginAttempts::after_success() {
            self.deps.users.reset_login_failures(&user.id).await?;
        }
        Ok(())
    }

    /// Counts a failed second factor like a failed password; a lock it causes is audited.
    async fn count_failure(
        &self,
        ctx: &RequestContext,
        user: &User,
    ) -> Result<(), SecondFactorError> {
        let counted = self
            .deps
            .users
            .record_login_failure(&user.id, ctx.now, self.deps.lockout)
            .await?;
        self.audit_attempt(ctx, user, AuditOutcome::Failure, "wrong or used code");
        if let Some(secs) = counted.retry_after_secs(ctx.now) {
            log::warn!("account {} locked for {secs} s after failed codes", user.id);
            self.deps.audit.record(
                ctx.audit(AuditAction::AccountLocked, AuditOutcome::Success)
                    .subject(user.id.as_str())
                    .detail(format!("for {secs} s after failed second factors")),
            );
        }
        Ok(())
    }

    /// An administrator removes every second factor of `user` (TOTP, recovery codes,
    /// passkeys): audited and mailed to the owner.
    pub async fn admin_reset(
        &self,
        ctx: &RequestContext,
        actor: &str,
        user: &User,
    ) -> Result<(), SecondFactorError> {
        let had_totp = self.deps.factors.delete_totp(&user.id).await?;
        let passkeys = self.deps.passkeys.delete_for_user(&user.id).await?;
        self.deps.audit.record(
            ctx.audit(AuditAction::MfaReset, AuditOutcome::Success)
                .actor(actor)
                .subject(user.id.as_str())
                .detail(format!(
                    "totp {}, {passkeys} passkey(s) removed",
                    if had_totp { "removed" } else { "was off" }
                )),
        );
        self.mail_with(
            MailTemplate::new("factors_reset", &[]),
            user,
            "Your second factors were reset",
            "An administrator removed the second factors (authenticator app, recovery codes \
             and passkeys) of your account. You can set them up again on your account page."
                .to_owned(),
        )
        .await;
        Ok(())
    }

    /// Ten new recovery codes: the codes to show once, and their digests to store.
    fn new_recovery_codes(&self) -> (Vec<SecretString>, Vec<TokenDigest>) {
        (0..RECOVERY_CODES)
            .map(|_| {
                let mut bytes = [0u8; 10];
                self.deps.rng.fill(&mut bytes);
                let code = RecoveryCode::format(bytes);
                let digest = RecoveryCode::digest(&code).unwrap_or_else(|| TokenDigest::of(&code));
                (SecretString::from(code), digest)
            })
            .unzip()
    }

    fn decrypt(&self, stored: &StoredTotp) -> Result<TotpSecret, SecondFactorError> {
        let plain = self
            .deps
            .cipher
            .decrypt(
                &stored.secret_ciphertext,
                stored.user_id.as_str().as_bytes(),
            )
            .map_err(|e| match e {
                CryptoError::Decrypt { source, .. } => CryptoError::Decrypt {
                    kid: format!("totp secret of {}", stored.user_id),
                    source,
                },
                other => other,
            })?;
        TotpSecret::from_stored(plain.expose_secret()).map_err(|e| {
            SecondFactorError::Repository(RepositoryError::corrupt(
                format!("totp secret of {}", stored.user_id),
                e,
            ))
        })
    }

    /// A random handle for a challenge, and the challenge stored under its digest.
    async fn store_challenge(
        &self,
        purpose: ChallengePurpose,
        user_id: Option<&UserId>,
        payload: String,
        ttl: i64,
    ) -> Result<SecretString, SecondFactorError> {
        let handle = random_token(self.deps.rng.as_ref(), 32);
        self.deps
            .challenges
            .insert(&Challenge {
                digest: TokenDigest::of(&handle),
                purpose,
                user_id: user_id.cloned(),
                payload,
                expires_at: self.deps.clock.now().plus(ttl),
            })
            .await?;
        Ok(SecretString::from(handle))
    }

    /// Takes the challenge behind `handle` (single use), or `Expired`.
    async fn take_challenge(
        &self,
        handle: &SecretString,
        purpose: ChallengePurpose,
    ) -> Result<Challenge, SecondFactorError> {
        self.deps
            .challenges
            .take(
                &TokenDigest::of(handle.expose_secret()),
                purpose,
                self.deps.clock.now(),
            )
            .await?
            .ok_or(SecondFactorError::Expired)
    }

    /// The enabled account `id`, or `NoAccount`.
    async fn active_user(&self, id: &UserId) -> Result<User, SecondFactorError> {
        self.deps
            .users
            .find(id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(SecondFactorError::NoAccount)
    }

    fn audit_change(&self, ctx: &RequestContext, user: &User, action: AuditAction, detail: &str) {
        self.deps.audit.record(
            ctx.audit(action, AuditOutcome::Success)
                .actor(user.id.as_str())
                .subject(user.id.as_str())
                .detail(detail),
        );
    }

    fn audit_attempt(&self, ctx: &RequestContext, user: &User, outcome: AuditOutcome, how: &str) {
        let action = match outcome {
            AuditOutcome::Success => AuditAction::SecondFactorSucceeded,
            AuditOutcome::Failure => AuditAction::SecondFactorFailed,
        };
        self.deps.audit.record(
            ctx.audit(action, outcome)
                .actor(user.email.as_str())
                .subject(user.id.as_str())
                .detail(how),
        );
    }

    /// Sends `text` (English) that the adapters write again from `template`.
    async fn mail_with(&self, template: MailTemplate, user: &User, subject: &str, text: String) {
        let mail = OutgoingMail {
            to: user.email.clone(),
            subject: subject.to_owned(),
            text,
            template: Some(template),
        };
        if let Err(e) = self.deps.mailer.send(mail).await {
            log::error!("could not hand a message over for delivery: {e}");
        }
    }
}

#[cfg(test)]
mod tests;
