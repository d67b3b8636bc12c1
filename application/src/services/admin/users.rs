//! User administration: listing, disabling, unlocking, deletion, forced password resets,
//! consents and sessions.

use super::{event, record, Actor, MAX_PAGE};
use crate::ports::{AuditLog, Clock, ConsentRepository, UserRepository};
use crate::services::fault_code::repository_fault_code;
use crate::services::{EmailLinkError, EmailLinks, SignOutEverywhere};
use crate::{OAuthErrorCode, RepositoryError};
use std::sync::Arc;
use tessera_domain::{AuditAction, ClientId, Consent, User, UserId};

/// What a forced reset stores as the password hash: not a PHC string, so the hasher refuses
/// to read it and sign-in treats it as a wrong password (never an error page), whatever is
/// typed. Only the emailed reset link (or an administrator) sets a real one again.
pub const UNUSABLE_PASSWORD_HASH: &str = "!reset-required";

/// One page of the user listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    /// Users ordered by email.
    pub users: Vec<User>,
    /// The `after` value for the next page; `None` on the last one.
    pub next: Option<String>,
}

/// Why a user operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminUserError {
    /// No user (or consent) with this id.
    #[error("no such user")]
    NotFound,
    /// No consent of this user for this client.
    #[error("no such consent")]
    ConsentNotFound,
    /// `limit` outside 1 to [`MAX_PAGE`].
    #[error("limit must be between 1 and {MAX_PAGE}")]
    Limit,
    /// The reset link could not be issued.
    #[error(transparent)]
    Link(#[from] EmailLinkError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// Removing the second factors failed.
    #[error(transparent)]
    SecondFactor(#[from] crate::services::SecondFactorError),
}

impl AdminUserError {
    /// The protocol error code this refusal is answered with. A reset link that cannot be
    /// issued is the server's fault whatever the reason.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::NotFound | Self::ConsentNotFound => OAuthErrorCode::NotFound,
            Self::Limit => OAuthErrorCode::InvalidRequest,
            Self::Link(_) => OAuthErrorCode::ServerError,
            Self::SecondFactor(e) => e.code(),
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// User administration for the admin API.
pub struct AdminUsers {
    users: Arc<dyn UserRepository>,
    consents: Arc<dyn ConsentRepository>,
    sign_out: Arc<SignOutEverywhere>,
    email_links: Arc<EmailLinks>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
    second_factors: Option<Arc<crate::services::SecondFactors>>,
}

impl AdminUsers {
    /// The same service, able to reset second factors.
    pub fn with_second_factors(self, factors: Arc<crate::services::SecondFactors>) -> Self {
        Self {
            second_factors: Some(factors),
            ..self
        }
    }

    /// Removes every second factor of the user (TOTP, recovery codes, passkeys), for a
    /// person who lost them: audited as `mfa_reset` and mailed to the owner.
    pub async fn reset_mfa(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        let factors = self
            .second_factors
            .as_ref()
            .ok_or(AdminUserError::NotFound)?;
        let ctx = crate::RequestContext {
            ip: actor.ip.as_deref().and_then(|ip| ip.parse().ok()),
            request_id: String::new(),
            now: self.clock.now(),
        };
        factors.admin_reset(&ctx, &actor.id, &user).await?;
        Ok(())
    }
    /// Builds the service; `sign_out` also ends the grants of a withdrawn consent.
    pub fn new(
        users: Arc<dyn UserRepository>,
        consents: Arc<dyn ConsentRepository>,
        sign_out: Arc<SignOutEverywhere>,
        email_links: Arc<EmailLinks>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            users,
            consents,
            sign_out,
            email_links,
            clock,
            audit,
            second_factors: None,
        }
    }

    /// A page of users ordered by email, after the email `after`, optionally only those
    /// whose email contains `email` ignoring case.
    pub async fn list(
        &self,
        after: Option<String>,
        email: Option<String>,
        limit: u32,
    ) -> Result<UserPage, AdminUserError> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(AdminUserError::Limit);
        }
        let email = email
            .filter(|e| !e.is_empty())
            .map(|e| tessera_domain::email::canonical(&e));
        let mut users = self.users.list(after, email, limit + 1).await?;
        let next = if users.len() > limit as usize {
            users.truncate(limit as usize);
            users.last().map(|u| u.email.as_str().to_owned())
        } else {
            None
        };
        Ok(UserPage { users, next })
    }

    /// One user.
    pub async fn get(&self, id: &str) -> Result<User, AdminUserError> {
        let Ok(id) = UserId::parse(id) else {
            return Err(AdminUserError::NotFound);
        };
        self.users.find(&id).await?.ok_or(AdminUserError::NotFound)
    }

    /// Disables the account and signs it out everywhere (ASVS 7.4.2): its sessions end and
    /// its tokens stop working at once, not when they expire.
    pub async fn disable(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        if !self.users.set_disabled(&user.id, true).await? {
            return Err(AdminUserError::NotFound);
        }
        self.sign_out.run(&user.id).await?;
        self.audit(actor, "users.disable", &user.id);
        Ok(())
    }

    /// Enables the account again.
    pub async fn enable(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        if !self.users.set_disabled(&user.id, false).await? {
            return Err(AdminUserError::NotFound);
        }
        self.audit(actor, "users.enable", &user.id);
        Ok(())
    }

    /// Forgets the failed sign-ins and lifts any lock.
    pub async fn unlock(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.users.reset_login_failures(&user.id).await?;
        self.audit(actor, "users.unlock", &user.id);
        Ok(())
    }

    /// Signs the user out everywhere, then deletes the account and everything hanging off it.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.sign_out.run(&user.id).await?;
        if !self.users.delete(&user.id).await? {
            return Err(AdminUserError::NotFound);
        }
        self.audit(actor, "users.delete", &user.id);
        Ok(())
    }

    /// Signs the user out everywhere, makes the current password unusable
    /// ([`UNUSABLE_PASSWORD_HASH`]) and mails a reset link: for a password believed leaked.
    pub async fn force_password_reset(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        self.sign_out.run(&user.id).await?;
        self.users
            .update_password_hash(&user.id, UNUSABLE_PASSWORD_HASH)
            .await?;
        self.audit(actor, "users.password_reset", &user.id);
        // After the hash is gone: a mail failure must not leave the old password usable.
        self.email_links
            .request_password_reset(user.email.as_str())
            .await?;
        Ok(())
    }

    /// The user's consents.
    pub async fn consents(&self, id: &str) -> Result<Vec<Consent>, AdminUserError> {
        let user = self.get(id).await?;
        Ok(self.consents.list_for_user(&user.id).await?)
    }

    /// Withdraws the user's consent for `client`, with the refresh tokens the client holds
    /// for the user, the codes issued to it and not yet redeemed, and (through the grant
    /// denylist) the access tokens of all its grants, with or without a refresh token.
    pub async fn revoke_consent(
        &self,
        actor: &Actor,
        id: &str,
        client: &str,
    ) -> Result<(), AdminUserError> {
        let user = self.get(id).await?;
        let Ok(client_id) = ClientId::parse(client) else {
            return Err(AdminUserError::ConsentNotFound);
        };
        let withdrawn = crate::services::account_sessions::withdraw_grant(
            self.consents.as_ref(),
            &self.sign_out,
            &user.id,
            &client_id,
        )
        .await?;
        if !withdrawn {
            return Err(AdminUserError::ConsentNotFound);
        }
        record(
            self.audit.as_ref(),
            event(
                self.clock.as_ref(),
                actor,
                AuditAction::ConsentRevoked,
                "users.consents.revoke",
            )
            .subject(user.id.as_str())
            .client(client_id.as_str()),
        );
        Ok(())
    }

    /// Ends every session and token of the user; returns (sessions, grants) ended.
    pub async fn revoke_sessions(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(u64, usize), AdminUserError> {
        let user = self.get(id).await?;
        let ended = self.sign_out.run(&user.id).await?;
        self.audit(actor, "users.sessions.revoke", &user.id);
        Ok(ended)
    }

    fn audit(&self, actor: &Actor, detail: &str, subject: &UserId) {
        record(
            self.audit.as_ref(),
            event(self.clock.as_ref(), actor, AuditAction::AdminAction, detail)
                .subject(subject.as_str()),
        );
    }
}

#[cfg(test)]
mod tests;
