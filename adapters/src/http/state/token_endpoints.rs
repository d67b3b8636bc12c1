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
use tessera_application::ports::Clock;
use tessera_application::services::{
    AuthenticateClientError, ClientAuthenticator, GrantRequest, Introspection,
    IntrospectionResponse, PresentedCredentials, RevocationError, TokenEndpoint, TokenError,
    TokenSet,
};
use tessera_application::{RepositoryError, RequestContext};
use tessera_domain::{Client, GrantType};

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

/// The token endpoint's grants: one call per request, whichever grant it asked for
/// ([`TokenEndpoint`], which audits what it issues).
#[async_trait]
pub trait TokenGrants: Send + Sync {
    /// Runs `request` for the authenticated `client`, bound to the key of the `DPoP`
    /// `proof` if one came.
    async fn grant(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
        proof: Option<&str>,
    ) -> Result<TokenSet, TokenError>;

    /// The nonce for the `DPoP-Nonce` header, when nonces are configured.
    fn dpop_nonce(&self) -> Option<String> {
        None
    }
}

#[async_trait]
impl TokenGrants for TokenEndpoint {
    async fn grant(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
        proof: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        TokenEndpoint::grant(self, ctx, client, request, proof).await
    }

    fn dpop_nonce(&self) -> Option<String> {
        self.dpop.nonce()
    }
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

impl From<RevocationError> for ApiError {
    fn from(e: RevocationError) -> Self {
        match e {
            RevocationError::AccessToken(e) => e.into(),
            RevocationError::RefreshToken(e) => e.into(),
        }
    }
}

/// RFC 7009 revocation of either kind of token ([`TokenEndpoint`], which audits it).
#[async_trait]
pub trait TokenRevoker: Send + Sync {
    /// Revokes `token` if it is `caller`'s; unknown tokens are not an error (RFC 7009 §2.2).
    async fn revoke(
        &self,
        ctx: &RequestContext,
        caller: &Client,
        token: &str,
    ) -> Result<(), RevocationError>;
}

#[async_trait]
impl TokenRevoker for TokenEndpoint {
    async fn revoke(
        &self,
        ctx: &RequestContext,
        caller: &Client,
        token: &str,
    ) -> Result<(), RevocationError> {
        TokenEndpoint::revoke(self, ctx, caller, token).await
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
    /// Failed client-authentication budgets; also the caller's address for the context.
    pub limiter: Arc<RateLimiter>,
    /// The time, for each request's context.
    pub clock: Arc<dyn Clock>,
    /// Issued-token counters.
    pub metrics: Arc<Metrics>,
}

impl TokenEndpoints {
    /// Counts a token response by `grant`.
    pub fn count_issued(&self, grant: GrantType) {
        self.metrics.token_issued(grant.as_str());
    }

    /// The request's context (address, request id, instant) for the use cases.
    pub fn context(&self, req: &HttpRequest) -> RequestContext {
        audit_trail::request_context(req, &self.limiter, self.clock.as_ref())
    }
}
