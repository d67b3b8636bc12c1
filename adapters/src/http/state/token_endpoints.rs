//! What the token, introspection and revocation handlers (`/token`, `/introspect`, `/revoke`)
//! need, and nothing else. The use cases sit behind the traits below so the handlers can be
//! tested with `actix_web::test::init_service` and fakes, for status codes and headers.

use crate::http::audit_trail;
use crate::http::errors::ApiError;
use crate::http::RateLimiter;
use crate::observability::Metrics;
use actix_web::HttpRequest;
use async_trait::async_trait;
use std::sync::Arc;
use tessera_application::ports::{AuditLog, Clock};
use tessera_application::services::{
    AuthenticateClientError, AuthorizationCodeGrant, ClientAuthenticator, ClientCredentialsGrant,
    Introspection, IntrospectionResponse, PresentedCredentials, RefreshTokenGrant, RevokeError,
    TokenError, TokenRevocation, TokenSet,
};
use tessera_application::RepositoryError;
use tessera_domain::{AuditAction, AuditOutcome, Client, GrantType};

#[cfg(test)]
mod tests;

/// Client authentication (RFC 6749 §2.3, [`ClientAuthenticator`]).
#[async_trait]
pub trait ClientAuthentication: Send + Sync {
    /// The client the credentials prove, or why they do not.
    async fn authenticate(
        &self,
        presented: PresentedCredentials,
    ) -> Result<Client, AuthenticateClientError>;
}

#[async_trait]
impl ClientAuthentication for ClientAuthenticator {
    async fn authenticate(
        &self,
        presented: PresentedCredentials,
    ) -> Result<Client, AuthenticateClientError> {
        ClientAuthenticator::authenticate(self, presented).await
    }
}

/// One `/token` request's grant and its parameters, parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRequest<'a> {
    /// RFC 6749 §4.4.
    ClientCredentials {
        /// The requested scope, if any.
        scope: Option<&'a str>,
    },
    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5).
    AuthorizationCode {
        /// The code from the authorization response.
        code: &'a str,
        /// The `redirect_uri` of the authorization request, when it named one.
        redirect_uri: Option<&'a str>,
        /// The PKCE verifier.
        code_verifier: Option<&'a str>,
    },
    /// RFC 6749 §6.
    RefreshToken {
        /// The refresh token presented.
        refresh_token: &'a str,
        /// A narrower scope, if asked for.
        scope: Option<&'a str>,
    },
}

impl GrantRequest<'_> {
    /// Which grant this is (for metrics and the audit detail).
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
        }
    }
}

/// The token endpoint's grants: one call per request, whichever grant it asked for.
#[async_trait]
pub trait TokenGrants: Send + Sync {
    /// Runs `request` for the authenticated `client`.
    async fn grant(
        &self,
        client: &Client,
        request: GrantRequest<'_>,
    ) -> Result<TokenSet, TokenError>;
}

/// RFC 7662 introspection ([`Introspection`]).
#[async_trait]
pub trait TokenIntrospector: Send + Sync {
    /// What `caller` may learn about `token`.
    async fn introspect(
        &self,
        caller: &Client,
        token: &str,
    ) -> Result<IntrospectionResponse, RepositoryError>;
}

#[async_trait]
impl TokenIntrospector for Introspection {
    async fn introspect(
        &self,
        caller: &Client,
        token: &str,
    ) -> Result<IntrospectionResponse, RepositoryError> {
        Introspection::introspect(self, caller, token).await
    }
}

/// Why a revocation failed: the access-token or the refresh-token side's error.
#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    /// Revoking a JWT access token failed.
    #[error(transparent)]
    AccessToken(#[from] RevokeError),
    /// Revoking a refresh token failed.
    #[error(transparent)]
    RefreshToken(#[from] TokenError),
}

impl From<RevocationError> for ApiError {
    fn from(e: RevocationError) -> Self {
        match e {
            RevocationError::AccessToken(e) => e.into(),
            RevocationError::RefreshToken(e) => e.into(),
        }
    }
}

/// RFC 7009 revocation of either kind of token.
#[async_trait]
pub trait TokenRevoker: Send + Sync {
    /// Revokes `token` if it is `caller`'s; unknown tokens are not an error (RFC 7009 §2.2).
    async fn revoke(&self, caller: &Client, token: &str) -> Result<(), RevocationError>;
}

/// The real grants and revocations, as wired at start-up.
pub struct OAuthTokens {
    /// `client_credentials`.
    pub client_credentials: ClientCredentialsGrant,
    /// `authorization_code`.
    pub code_grant: AuthorizationCodeGrant,
    /// `refresh_token`, and refresh-token revocation.
    pub refresh_grant: RefreshTokenGrant,
    /// Access-token revocation.
    pub revocation: TokenRevocation,
}

#[async_trait]
impl TokenGrants for OAuthTokens {
    async fn grant(
        &self,
        client: &Client,
        request: GrantRequest<'_>,
    ) -> Result<TokenSet, TokenError> {
        match request {
            GrantRequest::ClientCredentials { scope } => {
                let issued = self.client_credentials.issue(client, scope)?;
                Ok(TokenSet {
                    access_token: issued.access_token,
                    expires_in: issued.expires_in,
                    scope: issued.scope,
                    refresh_token: None,
                    id_token: None,
                })
            }
            GrantRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                self.code_grant
                    .exchange(client, code, redirect_uri, code_verifier)
                    .await
            }
            GrantRequest::RefreshToken {
                refresh_token,
                scope,
            } => {
                self.refresh_grant
                    .refresh(client, refresh_token, scope)
                    .await
            }
        }
    }
}

#[async_trait]
impl TokenRevoker for OAuthTokens {
    async fn revoke(&self, caller: &Client, token: &str) -> Result<(), RevocationError> {
        // JWT access tokens have three dot-separated parts; refresh tokens are opaque.
        if token.split('.').count() == 3 {
            self.revocation.revoke(caller, token).await?;
        } else {
            self.refresh_grant.revoke(caller, token).await?;
        }
        Ok(())
    }
}

/// The state of the `/token`, `/introspect` and `/revoke` handlers.
pub struct TokenEndpoints {
    /// Authenticates the calling client.
    pub authenticator: Arc<dyn ClientAuthentication>,
    /// The grants behind `/token`.
    pub grants: Arc<dyn TokenGrants>,
    /// RFC 7662.
    pub introspection: Arc<dyn TokenIntrospector>,
    /// RFC 7009.
    pub revocation: Arc<dyn TokenRevoker>,
    /// Failed client-authentication budgets; also the caller's address for the audit.
    pub limiter: Arc<RateLimiter>,
    /// The time, for the audit events.
    pub clock: Arc<dyn Clock>,
    /// Issued-token counters.
    pub metrics: Arc<Metrics>,
    /// Where issued, refreshed and revoked tokens are recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl TokenEndpoints {
    /// Counts and audits a token response for `client` by `grant`.
    pub fn tokens_issued(&self, req: &HttpRequest, client: &Client, grant: GrantType) {
        self.metrics.token_issued(grant.as_str());
        let action = if grant == GrantType::RefreshToken {
            AuditAction::TokenRefreshed
        } else {
            AuditAction::TokenIssued
        };
        self.audit.record(
            self.context(req)
                .audit(action, AuditOutcome::Success)
                .client(client.id.as_str())
                .detail(format!("grant={}", grant.as_str())),
        );
    }

    /// Audits an answered revocation request. Unknown tokens also land here (RFC 7009 §2.2):
    /// the event says a revocation was asked for and answered, not that a live token existed.
    pub fn revocation_answered(&self, req: &HttpRequest, caller: &Client) {
        self.audit.record(
            self.context(req)
                .audit(AuditAction::TokenRevoked, AuditOutcome::Success)
                .client(caller.id.as_str()),
        );
    }

    fn context(&self, req: &HttpRequest) -> tessera_application::RequestContext {
        audit_trail::request_context(req, &self.limiter, self.clock.as_ref())
    }
}
