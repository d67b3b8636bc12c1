use crate::ports::{Clock, RefreshTokenRepository, RevocationRepository, UserRepository};
use crate::services::{grant_revocation_key, AccessTokenVerifier};
use crate::RepositoryError;
use serde::Serialize;
use std::sync::Arc;
use tessera_domain::{Audience, Client, TokenDigest};

/// An RFC 7662 §2.2 response. Inactive tokens carry nothing but `active: false`, whatever the
/// reason, so introspection leaks nothing about tokens that do not work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntrospectionResponse {
    /// Whether the token is currently usable.
    pub active: bool,
    /// Space-separated scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `Bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Token id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl IntrospectionResponse {
    /// The answer for anything that is not an active token.
    pub fn inactive() -> Self {
        Self {
            active: false,
            scope: None,
            client_id: None,
            token_type: None,
            exp: None,
            iat: None,
            sub: None,
            aud: None,
            iss: None,
            jti: None,
        }
    }
}

/// Token introspection (RFC 7662) for protected resources, which authenticate as clients.
pub struct Introspection {
    verifier: Arc<AccessTokenVerifier>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    users: Arc<dyn UserRepository>,
    revocations: Arc<dyn RevocationRepository>,
    clock: Arc<dyn Clock>,
}

impl Introspection {
    /// Builds the service; `users` and `revocations` answer whether a refresh token's user
    /// and grant are still good.
    pub fn new(
        verifier: Arc<AccessTokenVerifier>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        users: Arc<dyn UserRepository>,
        revocations: Arc<dyn RevocationRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            refresh_tokens,
            users,
            revocations,
            clock,
        }
    }

    /// Introspects an opaque refresh token: active while unused, unrevoked and unexpired, its
    /// grant not on the denylist and its user still there and enabled, as the refresh grant
    /// itself demands. The two extra reads happen only for a token that is otherwise live.
    async fn refresh_token(&self, token: &str) -> Result<IntrospectionResponse, RepositoryError> {
        let Some(stored) = self.refresh_tokens.find(&TokenDigest::of(token)).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        let rt = stored.token;
        if stored.used || stored.revoked || rt.is_expired(self.clock.now()) {
            return Ok(IntrospectionResponse::inactive());
        }
        if self
            .revocations
            .is_revoked(&grant_revocation_key(&rt.grant_id))
            .await?
        {
            return Ok(IntrospectionResponse::inactive());
        }
        let enabled = self
            .users
            .find(&rt.user_id)
            .await?
            .is_some_and(|u| !u.disabled);
        if !enabled {
            return Ok(IntrospectionResponse::inactive());
        }
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(rt.scope.to_string()),
            client_id: Some(rt.client_id.to_string()),
            token_type: Some("refresh_token"),
            exp: Some(rt.expires_at.as_secs()),
            iat: None,
            sub: Some(rt.user_id.to_string()),
            aud: None,
            iss: None,
            jti: None,
        })
    }

    /// Introspects `token` for `caller`. Callers are authenticated confidential clients; the
    /// HTTP edge refuses public ones before calling this.
    pub async fn introspect(
        &self,
        caller: &Client,
        token: &str,
    ) -> Result<IntrospectionResponse, RepositoryError> {
        if token.split('.').count() != 3 {
            return self.refresh_token(token).await;
        }
        let Some(c) = self.verifier.verify_active(token).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        log::debug!(
            "client {} introspected an active token of {}",
            caller.id,
            c.client_id
        );
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(c.scope),
            client_id: Some(c.client_id),
            token_type: Some("Bearer"),
            exp: Some(c.exp),
            iat: Some(c.iat),
            sub: Some(c.sub),
            aud: Some(c.aud),
            iss: Some(c.iss),
            jti: Some(c.jti),
        })
    }
}

#[cfg(test)]
mod tests;
