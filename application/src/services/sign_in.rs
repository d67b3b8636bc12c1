//! Sign-in as one use case for every place that offers it: the login page of an
//! authorization (password, then the second factor when due, or a passkey alone) and the
//! account API's `POST /users/login` (+ `/users/login/mfa`).

use crate::ports::AuditLog;
use crate::services::{
    AccountApi, AccountLoginError, Accounts, LoginError, PendingStep, SecondFactorError,
    SecondFactors, SignInContext, SignedIn, TokenSet, ACCOUNT_CLIENT_ID,
};
use crate::RequestContext;
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{AuditAction, AuditOutcome, AuthMethods, User, UserId};

mod mfa_policy;
mod second_step;

pub use mfa_policy::MfaPolicy;
pub use second_step::{PageSecondStep, SecondProof, SecondStepOutcome};

/// Signs people in, ends the session a browser held before, and audits every attempt.
///
/// Callers must run a sign-in to its end even when the client goes away (the edge detaches
/// it): every attempt is counted while its hash runs and only a finished success resets the
/// count, so an abandoned request must not leave a count behind (it would lock the owner out
/// under load), and the audit event must not be lost.
pub struct SignIn {
    accounts: Arc<Accounts>,
    account_api: Arc<dyn AccountLogin>,
    audit: Arc<dyn AuditLog>,
    factors: Option<Arc<SecondFactors>>,
    policy: MfaPolicy,
}

/// The account API's token issue ([`AccountApi::issue_for`]), behind a trait so the sign-in
/// rules can be tested without a token issuer.
#[async_trait]
pub trait AccountLogin: Send + Sync {
    /// Issues the account API's tokens to `user`, who authenticated with `amr`.
    async fn issue(&self, user: &User, amr: AuthMethods) -> Result<TokenSet, AccountLoginError>;
}

#[async_trait]
impl AccountLogin for AccountApi {
    async fn issue(&self, user: &User, amr: AuthMethods) -> Result<TokenSet, AccountLoginError> {
        self.issue_for(user, amr).await
    }
}

/// A sign-in on the login page of an authorization request.
pub struct PageSignIn {
    /// The email as typed (audited as the actor, even when no account has it).
    pub email: String,
    /// The password as typed.
    pub password: SecretString,
    /// What the lockout rules know about this browser.
    pub lockout: SignInContext,
    /// The client the authorization request is for.
    pub client_id: String,
    /// The session cookie value the browser sent, ended once the new session exists.
    pub previous_session: Option<String>,
}

/// A sign-in through the account API.
pub struct ApiSignIn {
    /// The email as sent.
    pub email: String,
    /// The password as sent.
    pub password: SecretString,
}

/// How a password sign-in on the login page went.
#[derive(Debug)]
pub enum PageSignInOutcome {
    /// Signed in: a new session.
    SignedIn(SignedIn),
    /// The password was right; the second factor is due (no session yet).
    SecondFactorDue(PendingStep),
}

/// How a password sign-in through the account API went.
#[derive(Debug)]
pub enum ApiSignInOutcome {
    /// Signed in: the account API's tokens.
    Tokens(TokenSet),
    /// The password was right; finish with `/users/login/mfa` and this step's token.
    SecondFactorDue(PendingStep),
}

/// Which entry point an audit event comes from, and what it names.
struct Attempt<'a> {
    actor: &'a str,
    client_id: &'a str,
    place: &'static str,
}

impl SignIn {
    /// Builds the use case, without second factors (as with `mfa.required = off`).
    pub fn new(
        accounts: Arc<Accounts>,
        account_api: Arc<dyn AccountLogin>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            accounts,
            account_api,
            audit,
            factors: None,
            policy: MfaPolicy::Off,
        }
    }

    /// The same use case asking for second factors under `policy`.
    pub fn with_second_factors(self, factors: Arc<SecondFactors>, policy: MfaPolicy) -> Self {
        Self {
            factors: Some(factors),
            policy,
            ..self
        }
    }

    /// The second-factor policy.
    pub fn policy(&self) -> MfaPolicy {
        self.policy
    }

    /// Signs in on the login page with a password; when the account has a second factor, no
    /// session yet but the second step. On success the browser's previous session ends.
    pub async fn on_login_page(
        &self,
        ctx: &RequestContext,
        attempt: PageSignIn,
    ) -> Result<PageSignInOutcome, LoginError> {
        let who = Attempt {
            actor: &attempt.email,
            client_id: &attempt.client_id,
            place: "login page",
        };
        let user = match self
            .accounts
            .check_first_factor(&attempt.email, attempt.password, &attempt.lockout)
            .await
        {
            Ok(u) => u,
            Err(e) => {
                self.audit_attempt(ctx, &who, Some(&e), None);
                return Err(e);
            }
        };
        if let Some(step) = self
            .second_step_for(&user, AuthMethods::password(), true)
            .await?
        {
            return Ok(PageSignInOutcome::SecondFactorDue(step));
        }
        self.accounts.forget_failures(&user).await?;
        let signed = self
            .finish_page_sign_in(
                ctx,
                &who,
                &user.id,
                AuthMethods::password(),
                attempt.previous_session.as_deref(),
            )
            .await?;
        Ok(PageSignInOutcome::SignedIn(signed))
    }

    /// Signs in a person an upstream identity provider vouched for (`amr` `fed`, RFC 8176);
    /// when the account has a second factor, no session yet but the second step, as after
    /// a password. The browser's previous session ends.
    pub async fn federated(
        &self,
        ctx: &RequestContext,
        user: &User,
        upstream: &str,
        client_id: &str,
        previous_session: Option<&str>,
    ) -> Result<PageSignInOutcome, LoginError> {
        if user.disabled {
            return Err(LoginError::InvalidCredentials);
        }
        if let Some(step) = self
            .second_step_for(user, AuthMethods::federated(), true)
            .await?
        {
            return Ok(PageSignInOutcome::SecondFactorDue(step));
        }
        let actor = format!("upstream {upstream}");
        let who = Attempt {
            actor: &actor,
            client_id,
            place: "upstream",
        };
        let signed = self
            .finish_page_sign_in(
                ctx,
                &who,
                &user.id,
                AuthMethods::federated(),
                previous_session,
            )
            .await?;
        Ok(PageSignInOutcome::SignedIn(signed))
    }

    /// Signs in through the account API with a password; when the account has a second
    /// factor, the step to finish at `/users/login/mfa` instead of tokens.
    pub async fn on_account_api(
        &self,
        ctx: &RequestContext,
        attempt: ApiSignIn,
    ) -> Result<ApiSignInOutcome, AccountLoginError> {
        let who = Attempt {
            actor: &attempt.email,
            client_id: ACCOUNT_CLIENT_ID,
            place: "account api",
        };
        let user = match self
            .accounts
            .check_first_factor(
                &attempt.email,
                attempt.password,
                &SignInContext::anonymous(),
            )
            .await
        {
            Ok(u) => u,
            Err(e) => {
                self.audit_attempt(ctx, &who, Some(&e), None);
                return Err(e.into());
            }
        };
        if let Some(step) = self
            .second_step_for(&user, AuthMethods::password(), false)
            .await?
        {
            return Ok(ApiSignInOutcome::SecondFactorDue(step));
        }
        self.accounts.forget_failures(&user).await?;
        let tokens = self
            .account_api
            .issue(&user, AuthMethods::password())
            .await?;
        self.audit_attempt(ctx, &who, None, Some(user.id.as_str()));
        Ok(ApiSignInOutcome::Tokens(tokens))
    }

    /// Finishes `/users/login/mfa`: the step's token (single use, whatever the outcome) and a
    /// TOTP or recovery code.
    pub async fn second_step_on_account_api(
        &self,
        ctx: &RequestContext,
        token: &SecretString,
        otp: &SecretString,
    ) -> Result<TokenSet, AccountLoginError> {
        let factors = self.factors()?;
        let pending = factors.take_step(token).await?;
        let methods = factors.verify_otp(ctx, &pending.user, otp, false).await?;
        let amr = pending.amr.and(methods);
        let tokens = self.account_api.issue(&pending.user, amr).await?;
        let who = Attempt {
            actor: pending.user.email.as_str(),
            client_id: ACCOUNT_CLIENT_ID,
            place: "account api",
        };
        self.audit_attempt(ctx, &who, None, Some(pending.user.id.as_str()));
        Ok(tokens)
    }

    /// The second step due for `user` under the policy, if any.
    async fn second_step_for(
        &self,
        user: &User,
        first: AuthMethods,
        with_passkey: bool,
    ) -> Result<Option<PendingStep>, LoginError> {
        let Some(factors) = self.factors.as_ref().filter(|_| self.policy.asks()) else {
            return Ok(None);
        };
        let status = factors
            .status(&user.id)
            .await
            .map_err(second_factor_fault)?;
        let passkeys_usable = factors.passkeys_available() && !status.passkeys.is_empty();
        if !(status.totp || passkeys_usable) {
            return Ok(None);
        }
        let step = factors
            .begin_step_with(user, first, with_passkey, &status)
            .await
            .map_err(second_factor_fault)?;
        Ok(Some(step))
    }

    /// Opens the session of a finished page sign-in, ends the browser's previous one and
    /// audits the success.
    async fn finish_page_sign_in(
        &self,
        ctx: &RequestContext,
        who: &Attempt<'_>,
        user: &UserId,
        amr: AuthMethods,
        previous_session: Option<&str>,
    ) -> Result<SignedIn, LoginError> {
        let signed = self
            .accounts
            .replace_session(user, amr, previous_session)
            .await?;
        self.audit_attempt(ctx, who, None, Some(user.as_str()));
        Ok(signed)
    }

    fn factors(&self) -> Result<&Arc<SecondFactors>, SecondFactorError> {
        self.factors.as_ref().ok_or(SecondFactorError::Expired)
    }

    /// Records a finished attempt: who tried (the email typed), for which client, from where,
    /// and how it ended. Failures never carry the password; faults are not attempts.
    fn audit_attempt(
        &self,
        ctx: &RequestContext,
        who: &Attempt<'_>,
        error: Option<&LoginError>,
        subject: Option<&str>,
    ) {
        let (action, outcome, why) = match error {
            None => (AuditAction::LoginSucceeded, AuditOutcome::Success, None),
            Some(LoginError::InvalidCredentials) => (
                AuditAction::LoginFailed,
                AuditOutcome::Failure,
                Some("bad credentials"),
            ),
            Some(LoginError::Locked { .. }) => (
                AuditAction::LoginFailed,
                AuditOutcome::Failure,
                Some("account locked"),
            ),
            Some(_) => return,
        };
        let detail = match why {
            Some(why) => format!("{}: {why}", who.place),
            None => who.place.to_owned(),
        };
        let mut event = ctx
            .audit(action, outcome)
            .actor(who.actor)
            .client(who.client_id)
            .detail(detail);
        if let Some(subject) = subject {
            event = event.subject(subject);
        }
        self.audit.record(event);
    }
}

/// A second-factor failure while starting the step is a fault of the sign-in.
fn second_factor_fault(e: SecondFactorError) -> LoginError {
    match e {
        SecondFactorError::Repository(r) => LoginError::Repository(r),
        other => LoginError::Hasher(format!("second-factor step: {other}")),
    }
}

#[cfg(test)]
mod tests;
