use crate::ports::{AuditLog, EmailTokenRepository, HashError, PasswordHasher, UserRepository};
use crate::services::fault_code::repository_fault_code;
use crate::services::{Accounts, LoginError, SignInContext, SignOutEverywhere};
use crate::{OAuthErrorCode, RepositoryError, RequestContext};
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
    #[error("{0}")]
    Hasher(#[source] HashError),
    /// The check of the current password failed on the server's side.
    #[error("{0}")]
    SignIn(#[source] LoginError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AccountChangeError {
    /// The code of the refusal. A wrong current password and a lock share one code: the
    /// caller is already signed in, so there is nothing to enumerate.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::WrongPassword | Self::Locked { .. } => OAuthErrorCode::InvalidCredentials,
            Self::Password(_) | Self::Name => OAuthErrorCode::InvalidRequest,
            Self::Gone => OAuthErrorCode::InvalidToken,
            Self::Busy => OAuthErrorCode::TemporarilyUnavailable,
            Self::Hasher(_) | Self::SignIn(_) => OAuthErrorCode::ServerError,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

impl From<LoginError> for AccountChangeError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::InvalidCredentials => Self::WrongPassword,
            LoginError::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            LoginError::Busy => Self::Busy,
            LoginError::Repository(r) => Self::Repository(r),
            other => Self::SignIn(other),
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
                other => AccountChangeError::Hasher(other),
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
mod tests;
