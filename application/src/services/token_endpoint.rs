//! The token endpoint's work as one use case: run whichever grant a `/token` request asked for,
//! or revoke whichever kind of token a `/revoke` request names, and audit what was done with
//! the request's context. The HTTP edge only parses and maps.

use crate::ports::AuditLog;
use crate::services::{
    AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant, RevokeError, TokenError,
    TokenRevocation, TokenSet,
};
use crate::RequestContext;
use std::sync::Arc;
use tessera_domain::{AuditAction, AuditOutcome, Client, GrantType};

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
    /// Where issued, refreshed and revoked tokens are recorded.
    pub audit: Arc<dyn AuditLog>,
}

impl TokenEndpoint {
    /// Runs `request` for the authenticated `client`; a success is audited (issued or
    /// refreshed, with the grant).
    pub async fn grant(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
    ) -> Result<TokenSet, TokenError> {
        let tokens = self.run(client, request).await?;
        let grant = request.grant_type();
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
        client: &Client,
        request: GrantRequest<'_>,
    ) -> Result<TokenSet, TokenError> {
        match request {
            GrantRequest::ClientCredentials { scope, resources } => {
                let issued = self
                    .client_credentials
                    .issue_for(client, scope, resources)
                    .await?;
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
                resources,
            } => {
                self.code_grant
                    .exchange_for(client, code, redirect_uri, code_verifier, resources)
                    .await
            }
            GrantRequest::RefreshToken {
                refresh_token,
                scope,
                resources,
            } => {
                self.refresh_grant
                    .refresh_for(client, refresh_token, scope, resources)
                    .await
            }
        }
    }
}
