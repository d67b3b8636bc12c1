//! The second step of a sign-in: after a right password, a single-use handle bound to the
//! account (the JSON API's `mfa_token`, the login page's hidden field) that only a second
//! factor turns into a session or tokens.

use super::{PasskeyChallenge, SecondFactorError, SecondFactors};
use crate::ports::ChallengePurpose;
use secrecy::SecretString;
use tessera_domain::{AuthMethods, User};

/// How long the second step may take (the contract's five minutes).
pub const SECOND_FACTOR_STEP_SECS: i64 = 300;

/// A started second step: the handle to send back, and what the person can use.
#[derive(Debug)]
pub struct PendingStep {
    /// The single-use handle (`mfa_token`).
    pub token: SecretString,
    /// TOTP (or a recovery code) can finish it.
    pub totp: bool,
    /// A passkey can finish it.
    pub passkeys: bool,
    /// The passkey ceremony for the page's `#passkey` button, when asked for and possible.
    pub passkey: Option<PasskeyChallenge>,
}

/// A second step taken back: whose it is and what the first step proved.
#[derive(Debug)]
pub struct PendingSignIn {
    /// The account (enabled, read afresh).
    pub user: User,
    /// The methods of the first step (`pwd`).
    pub amr: AuthMethods,
}

impl SecondFactors {
    /// Starts the second step for `user`, who proved `amr` so far. Nothing is issued until
    /// [`Self::take_step`] and a second factor succeed.
    pub async fn begin_step(
        &self,
        user: &User,
        amr: AuthMethods,
        with_passkey: bool,
    ) -> Result<PendingStep, SecondFactorError> {
        let status = self.status(&user.id).await?;
        self.begin_step_with(user, amr, with_passkey, &status).await
    }

    /// [`Self::begin_step`] for a caller that has just read the account's `status`.
    pub async fn begin_step_with(
        &self,
        user: &User,
        amr: AuthMethods,
        with_passkey: bool,
        status: &super::MfaStatus,
    ) -> Result<PendingStep, SecondFactorError> {
        let token = self
            .store_challenge(
                ChallengePurpose::SecondFactor,
                Some(&user.id),
                amr.to_string(),
                SECOND_FACTOR_STEP_SECS,
            )
            .await?;
        let passkeys = !status.passkeys.is_empty() && self.passkeys_available();
        let passkey = if with_passkey && passkeys {
            Some(self.start_passkey_sign_in(Some(&user.id)).await?)
        } else {
            None
        };
        Ok(PendingStep {
            token,
            totp: status.totp,
            passkeys,
            passkey,
        })
    }

    /// Takes the step back (single use): `Expired` when unknown, used or too old.
    pub async fn take_step(
        &self,
        token: &SecretString,
    ) -> Result<PendingSignIn, SecondFactorError> {
        let challenge = self
            .take_challenge(token, ChallengePurpose::SecondFactor)
            .await?;
        let user_id = challenge.user_id.ok_or(SecondFactorError::Expired)?;
        let user = self.active_user(&user_id).await?;
        let amr = AuthMethods::parse(&challenge.payload).map_err(|e| {
            SecondFactorError::Repository(crate::RepositoryError::corrupt("second-factor step", e))
        })?;
        Ok(PendingSignIn { user, amr })
    }
}
