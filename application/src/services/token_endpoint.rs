//! The token endpoint's work as one use case: run whichever grant a `/token` request asked for,
//! or revoke whichever kind of token a `/revoke` request names, and audit what was done with
//! the request's context. The HTTP edge only parses and maps.

use crate::ports::AuditLog;
use crate::services::{
    AuthorizationCodeGrant, ClientCredentialsGrant, DeviceFlow, DpopError, DpopProofs,
    ExchangeRequest, RefreshTokenGrant, RevokeError, TokenError, TokenExchangeGrant,
    TokenRevocation, TokenSet,
};
use crate::RequestContext;
use std::sync::Arc;
use tessera_domain::{AuditAction, AuditOutcome, Client, GrantType, ProofTarget};

#[cfg(test)]
mod tests;

/// One `/token` request's grant and its parameters, parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRequest<'a> {
    /// RFC 6749 §4.4.
    ClientCredentials {
        /// The requested scope, if any.
        scope: Option<&'a str>,
        /// RFC 8707 `resource` values.
        resources: &'a [&'a str],
    },
    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5).
    AuthorizationCode {
        /// The code from the authorization response.
        code: &'a str,
        /// The `redirect_uri` of the authorization request, when it named one.
        redirect_uri: Option<&'a str>,
        /// The PKCE verifier.
        code_verifier: Option<&'a str>,
        /// RFC 8707 `resource` values narrowing the code's.
        resources: &'a [&'a str],
    },
    /// RFC 6749 §6.
    RefreshToken {
        /// The refresh token presented.
        refresh_token: &'a str,
        /// A narrower scope, if asked for.
        scope: Option<&'a str>,
        /// RFC 8707 `resource` values narrowing the grant's.
        resources: &'a [&'a str],
    },
    /// RFC 8693 §2.1.
    TokenExchange(ExchangeRequest<'a>),
    /// RFC 8628 §3.4: a device polls with its `device_code`.
    DeviceCode {
        /// The device code from `/device_authorization`.
        device_code: &'a str,
    },
}

impl GrantRequest<'_> {
    /// Which grant this is (for metrics and the audit detail).
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
            Self::TokenExchange(_) => GrantType::TokenExchange,
            Self::DeviceCode { .. } => GrantType::DeviceCode,
        }
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

/// The grants and revocations behind `/token` and `/revoke`.
pub struct TokenEndpoint {
    /// `client_credentials`.
    pub client_credentials: ClientCredentialsGrant,
    /// `authorization_code`.
    pub code_grant: AuthorizationCodeGrant,
    /// `refresh_token`, and refresh-token revocation.
    pub refresh_grant: RefreshTokenGrant,
    /// Access-token revocation.
    pub revocation: TokenRevocation,
    /// Token exchange (RFC 8693); it audits its own attempts, refusals included.
    pub token_exchange: TokenExchangeGrant,
    /// The device authorization grant (RFC 8628).
    pub device_grant: Arc<DeviceFlow>,
    /// Where issued, refreshed and revoked tokens are recorded.
    pub audit: Arc<dyn AuditLog>,
    /// DPoP proofs (RFC 9449) that bind the issued tokens.
    pub dpop: Arc<DpopProofs>,
    /// The token endpoint's URL as published: the `htu` proofs must name.
    pub token_url: String,
}

impl TokenEndpoint {
    /// Runs `request` for the authenticated `client`; a success is audited (issued or
    /// refreshed, with the grant). With a DPoP `proof` the tokens are bound to its key; a
    /// client that must bind (`require_dpop`, FAPI 2.0) is refused without one.
    pub async fn grant(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
        proof: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        let jkt = match proof {
            Some(p) => {
                let target = ProofTarget {
                    method: "POST",
                    uri: &self.token_url,
                    access_token: None,
                };
                Some(self.dpop.check(p, &target, client.security.profile).await?)
            }
            None if self.dpop.required_for(client) => return Err(DpopError::Missing.into()),
            None => None,
        };
        let mut tokens = self.run(ctx, client, request, jkt.as_deref()).await?;
        tokens.dpop_bound = jkt.is_some();
        let grant = request.grant_type();
        if grant == GrantType::TokenExchange {
            // Audited as `token_exchanged` by the grant itself, with subject and actor.
            return Ok(tokens);
        }
        let action = if grant == GrantType::RefreshToken {
            AuditAction::TokenRefreshed
        } else {
            AuditAction::TokenIssued
        };
        self.audit.record(
            ctx.audit(action, AuditOutcome::Success)
                .client(client.id.as_str())
                .detail(format!("grant={}", grant.as_str())),
        );
        Ok(tokens)
    }

    /// Revokes `token` if it is `caller`'s; unknown tokens are not an error (RFC 7009 §2.2),
    /// so the event says a revocation was asked for and answered, not that a live token existed.
    pub async fn revoke(
        &self,
        ctx: &RequestContext,
        caller: &Client,
        token: &str,
    ) -> Result<(), RevocationError> {
        // JWT access tokens have three dot-separated parts; refresh tokens are opaque.
        if token.split('.').count() == 3 {
            self.revocation.revoke(caller, token).await?;
        } else {
            self.refresh_grant.revoke(caller, token).await?;
        }
        self.audit.record(
            ctx.audit(AuditAction::TokenRevoked, AuditOutcome::Success)
                .client(caller.id.as_str()),
        );
        Ok(())
    }

    async fn run(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
        jkt: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        match request {
            GrantRequest::ClientCredentials { scope, resources } => {
                let issued = self
                    .client_credentials
                    .issue_bound(client, scope, resources, jkt)
                    .await?;
                Ok(TokenSet {
                    access_token: issued.access_token,
                    expires_in: issued.expires_in,
                    scope: issued.scope,
                    refresh_token: None,
                    id_token: None,
                    dpop_bound: false,
                })
            }
            GrantRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
                resources,
            } => {
                self.code_grant
                    .exchange_bound(client, code, redirect_uri, code_verifier, resources, jkt)
                    .await
            }
            GrantRequest::RefreshToken {
                refresh_token,
                scope,
                resources,
            } => {
                self.refresh_grant
                    .refresh_bound(client, refresh_token, scope, resources, jkt)
                    .await
            }
            GrantRequest::TokenExchange(exchange) => {
                let exchange = ExchangeRequest {
                    dpop_jkt: jkt,
                    ..exchange
                };
                self.token_exchange.exchange(ctx, client, exchange).await
            }
            GrantRequest::DeviceCode { device_code } => {
                self.device_grant.poll_bound(client, device_code, jkt).await
            }
        }
    }
}
