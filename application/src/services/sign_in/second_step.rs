//! The login page's second step (a TOTP or recovery code, or a passkey) and the passwordless
//! passkey sign-in.

use super::{Attempt, SignIn};
use crate::services::{PendingStep, SecondFactorError, SignInContext, SignedIn};
use crate::RequestContext;
use secrecy::SecretString;

/// What the person offers as their second factor.
pub enum SecondProof {
    /// A TOTP code or a recovery code, as typed.
    Otp(SecretString),
    /// A passkey: the ceremony's handle and the browser's answer (JSON).
    Passkey {
        /// The handle of the stored challenge.
        handle: SecretString,
        /// The `PublicKeyCredential` JSON.
        response: String,
    },
}

/// The login page's second step as posted.
pub struct PageSecondStep {
    /// The step's handle (hidden field).
    pub token: SecretString,
    /// The second factor.
    pub proof: SecondProof,
    /// What the lockout rules know about this browser.
    pub lockout: SignInContext,
    /// The client the authorization request is for.
    pub client_id: String,
    /// The session cookie value the browser sent, ended once the new session exists.
    pub previous_session: Option<String>,
}

/// How the second step went.
#[derive(Debug)]
pub enum SecondStepOutcome {
    /// Signed in with both factors.
    SignedIn(SignedIn),
    /// Refused (wrong code, failed passkey): the step starts again with a new handle.
    Retry {
        /// Why it was refused.
        error: SecondFactorError,
        /// The new step.
        step: PendingStep,
    },
}

impl SignIn {
    /// Finishes the login page's second step. A wrong code or a failed passkey gives a new
    /// step (the failure is counted by the lockout); a locked account, an expired step or a
    /// fault is an error.
    pub async fn second_step_on_login_page(
        &self,
        ctx: &RequestContext,
        step: PageSecondStep,
    ) -> Result<SecondStepOutcome, SecondFactorError> {
        let factors = self.factors()?;
        let pending = factors.take_step(&step.token).await?;
        let user = &pending.user;
        let trusted = step.lockout.trusted_device_for.as_ref() == Some(&user.id);
        let proved = match &step.proof {
            SecondProof::Otp(code) => factors.verify_otp(ctx, user, code, trusted).await,
            SecondProof::Passkey { handle, response } => factors
                .finish_passkey_sign_in(ctx, handle, response, Some(&user.id))
                .await
                .map(|p| p.amr),
        };
        match proved {
            Ok(methods) => {
                let who = Attempt {
                    actor: user.email.as_str(),
                    client_id: &step.client_id,
                    place: "login page",
                };
                let signed = self
                    .finish_page_sign_in(
                        ctx,
                        &who,
                        &user.id,
                        pending.amr.and(methods),
                        step.previous_session.as_deref(),
                    )
                    .await
                    .map_err(login_fault)?;
                Ok(SecondStepOutcome::SignedIn(signed))
            }
            Err(error @ (SecondFactorError::InvalidCode | SecondFactorError::Passkey(_))) => {
                let step = factors.begin_step(user, pending.amr, true).await?;
                Ok(SecondStepOutcome::Retry { error, step })
            }
            Err(e) => Err(e),
        }
    }

    /// Signs in with a passkey alone (the login page's "Sign in with a passkey"): a
    /// discoverable credential with user verification is two factors by itself.
    pub async fn passkey_on_login_page(
        &self,
        ctx: &RequestContext,
        handle: &SecretString,
        response: &str,
        client_id: &str,
        previous_session: Option<&str>,
    ) -> Result<SignedIn, SecondFactorError> {
        let factors = self.factors()?;
        let signed = factors
            .finish_passkey_sign_in(ctx, handle, response, None)
            .await?;
        let who = Attempt {
            actor: signed.user.email.as_str(),
            client_id,
            place: "login page (passkey)",
        };
        self.finish_page_sign_in(ctx, &who, &signed.user.id, signed.amr, previous_session)
            .await
            .map_err(login_fault)
    }
}

/// A failure to open the session after a passed second factor.
fn login_fault(e: crate::services::LoginError) -> SecondFactorError {
    match e {
        crate::services::LoginError::Repository(r) => SecondFactorError::Repository(r),
        other => SecondFactorError::Crypto(crate::errors::CryptoError::backend(other.to_string())),
    }
}
