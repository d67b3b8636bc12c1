//! Who may call the admin API: the configured `admin_token` or an API key with the `admin`
//! scope, within the caller's address failure budget; every refusal is audited.

use super::Actor;
use crate::ports::{AuditLog, FailureBudget};
use crate::services::{ApiKeyError, ApiKeys};
use crate::RequestContext;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::api_key::API_KEY_TAG;
use tessera_domain::{AuditAction, AuditOutcome, TokenDigest};

/// The scope an API key needs for the admin API.
pub const ADMIN_SCOPE: &str = "admin";

/// Why an admin call was refused. The first four are the caller's doing and are audited.
#[derive(Debug, thiserror::Error)]
pub enum AdminAuthError {
    /// The address has used up its failures: `429` whatever it brings this time.
    #[error("too many failed admin authentications from this address")]
    Throttled {
        /// Seconds until the address may try again.
        retry_after_secs: u64,
    },
    /// No bearer credential at all.
    #[error("admin credentials are required")]
    Missing,
    /// A credential that is neither the admin token nor a usable API key.
    #[error("the admin credentials are not valid")]
    Invalid,
    /// A valid API key without the `admin` scope.
    #[error("this API key does not have the admin scope")]
    Scope,
    /// The API keys could not be read.
    #[error("API key lookup failed")]
    ApiKey(#[source] ApiKeyError),
}

/// Decides who may call the admin API (the HTTP edge only extracts the bearer credential).
pub struct AdminAuthenticator {
    token: Option<TokenDigest>,
    api_keys: Arc<ApiKeys>,
    budget: Arc<dyn FailureBudget>,
    audit: Arc<dyn AuditLog>,
}

impl AdminAuthenticator {
    /// `admin_token` as configured (`None` or empty: token access is off; only its digest is
    /// kept); API keys are checked by `api_keys`; failures spend from `budget` and are
    /// recorded in `audit`.
    pub fn new(
        admin_token: Option<&SecretString>,
        api_keys: Arc<ApiKeys>,
        budget: Arc<dyn FailureBudget>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            token: admin_token
                .map(|t| t.expose_secret())
                .filter(|t| !t.is_empty())
                .map(TokenDigest::of),
            api_keys,
            budget,
            audit,
        }
    }

    /// The actor behind `bearer` (the request's bearer credential, `None` when it brought
    /// none), seen from the request's address. The budget is checked before the credential,
    /// so an address that has been guessing is refused even with the right token.
    pub async fn authenticate(
        &self,
        ctx: &RequestContext,
        bearer: Option<&str>,
    ) -> Result<Actor, AdminAuthError> {
        if let Err(retry_after_secs) = self.budget.check(ctx.ip).await {
            self.refused(
                ctx,
                "admin.auth refused: too many failed attempts from this address",
            );
            return Err(AdminAuthError::Throttled { retry_after_secs });
        }
        let failure = match self.identify(bearer).await {
            Ok(actor) => {
                return Ok(match ctx.ip {
                    Some(ip) => actor.with_ip(ip.to_string()),
                    None => actor,
                })
            }
            Err(e @ AdminAuthError::ApiKey(_)) => return Err(e),
            Err(f) => f,
        };
        self.budget.failed(ctx.ip).await;
        self.refused(
            ctx,
            match failure {
                AdminAuthError::Missing => "admin.auth missing credentials",
                AdminAuthError::Scope => "admin.auth api key without admin scope",
                _ => "admin.auth invalid credentials",
            },
        );
        Err(failure)
    }

    async fn identify(&self, bearer: Option<&str>) -> Result<Actor, AdminAuthError> {
        let presented = bearer
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AdminAuthError::Missing)?;
        if presented.starts_with(API_KEY_TAG) {
            let key = self
                .api_keys
                .authenticate(presented)
                .await
                .map_err(AdminAuthError::ApiKey)?
                .ok_or(AdminAuthError::Invalid)?;
            if !key.allows(ADMIN_SCOPE) {
                return Err(AdminAuthError::Scope);
            }
            return Ok(Actor::new(format!("api_key:{}", key.prefix)));
        }
        match &self.token {
            Some(digest) if digest.matches(presented) => Ok(Actor::new("admin_token")),
            _ => Err(AdminAuthError::Invalid),
        }
    }

    fn refused(&self, ctx: &RequestContext, why: &'static str) {
        self.audit.record(
            ctx.audit(AuditAction::AdminAction, AuditOutcome::Failure)
                .detail(why),
        );
    }
}

#[cfg(test)]
mod tests;
