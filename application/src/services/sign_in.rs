//! Password sign-in as one use case for both places that offer it: the authorization
//! endpoint's login page and the account API's `POST /users/login`.

use crate::ports::AuditLog;
use crate::services::{
    AccountApi, AccountLoginError, Accounts, LoginError, SignInContext, SignedIn, TokenSet,
    ACCOUNT_CLIENT_ID,
};
use crate::RequestContext;
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{AuditAction, AuditOutcome};

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
}

/// The account API's credential check and token issue ([`AccountApi::login`]), behind a trait
/// so the sign-in rules can be tested without a token issuer.
#[async_trait]
pub trait AccountLogin: Send + Sync {
    /// Checks the credentials and issues the account API's tokens.
    async fn login(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
    ) -> Result<TokenSet, AccountLoginError>;
}

#[async_trait]
impl AccountLogin for AccountApi {
    async fn login(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
    ) -> Result<TokenSet, AccountLoginError> {
        AccountApi::login(self, email, password, context).await
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

/// Which entry point an audit event comes from, and what it names.
struct Attempt<'a> {
    actor: &'a str,
    client_id: &'a str,
    place: &'static str,
}

impl SignIn {
    /// Builds the use case.
    pub fn new(
        accounts: Arc<Accounts>,
        account_api: Arc<dyn AccountLogin>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            accounts,
            account_api,
            audit,
        }
    }

    /// Signs in on the login page; on success the browser's previous session (if any) ends.
    pub async fn on_login_page(
        &self,
        ctx: &RequestContext,
        attempt: PageSignIn,
    ) -> Result<SignedIn, LoginError> {
        let result = self
            .accounts
            .sign_in(&attempt.email, attempt.password, &attempt.lockout)
            .await;
        let subject = result.as_ref().ok().map(|s| s.session.user_id.as_str());
        let who = Attempt {
            actor: &attempt.email,
            client_id: &attempt.client_id,
            place: "login page",
        };
        self.audit_attempt(ctx, &who, result.as_ref().err(), subject);
        if let (Ok(_), Some(old)) = (&result, &attempt.previous_session) {
            if let Err(e) = self.accounts.sign_out(old).await {
                log::warn!("could not end the previous session: {e}");
            }
        }
        result
    }

    /// Signs in through the account API and issues its tokens.
    pub async fn on_account_api(
        &self,
        ctx: &RequestContext,
        attempt: ApiSignIn,
    ) -> Result<TokenSet, AccountLoginError> {
        let result = self
            .account_api
            .login(
                &attempt.email,
                attempt.password,
                &SignInContext::anonymous(),
            )
            .await;
        let who = Attempt {
            actor: &attempt.email,
            client_id: ACCOUNT_CLIENT_ID,
            place: "account api",
        };
        match &result {
            Ok(_) => self.audit_attempt(ctx, &who, None, None),
            Err(AccountLoginError::Login(e)) => self.audit_attempt(ctx, &who, Some(e), None),
            Err(AccountLoginError::Token(_)) => {}
        }
        result
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

#[cfg(test)]
mod tests;
