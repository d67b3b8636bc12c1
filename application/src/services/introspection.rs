use crate::ports::{
    Clock, RefreshTokenRepository, ResourceRepository, RevocationRepository, UserRepository,
};
use crate::services::{grant_revocation_key, AccessTokenVerifier};
use crate::RepositoryError;
use serde::Serialize;
use std::sync::Arc;
use tessera_domain::{
    AccessTokenClaims, Audience, Client, Confirmation, ResourceIdentifier, TokenDigest,
    DPOP_TOKEN_TYPE,
};

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
    /// The key a DPoP-bound token is bound to (RFC 9449 §6.2), so the resource can check the
    /// proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
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
            cnf: None,
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
    resources: Option<Arc<dyn ResourceRepository>>,
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
            resources: None,
        }
    }

    /// The same service applying the resource rule (see [`Self::introspect`]) with the
    /// registry `resources`.
    pub fn with_resources(mut self, resources: Arc<dyn ResourceRepository>) -> Self {
        self.resources = Some(resources);
        self
    }

    /// Whether `caller` may learn about an access token with `claims`. A token meant for
    /// protected resources (an `aud` other than the issuer) is shown only to the client it was
    /// issued to and to the clients registered as one of those resources' servers; every
    /// other caller is told `active: false`, as for a token that does not exist, so one API
    /// cannot read another's tokens. Tokens for the issuer's own audience stay visible to any
    /// authenticated confidential client, as before resources existed.
    async fn may_see(
        &self,
        caller: &Client,
        claims: &AccessTokenClaims,
    ) -> Result<bool, RepositoryError> {
        if claims.client_id == caller.id.as_str() {
            return Ok(true);
        }
        let mut restricted = false;
        for aud in claims.aud.values().iter().filter(|a| **a != claims.iss) {
            restricted = true;
            let (Some(repo), Ok(id)) = (&self.resources, ResourceIdentifier::parse(aud)) else {
                continue;
            };
            if repo
                .find(&id)
                .await?
                .is_some_and(|r| r.is_served_by(&caller.id))
            {
                return Ok(true);
            }
        }
        Ok(!restricted)
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
            cnf: rt.dpop_jkt.map(|jkt| Confirmation { jkt }),
        })
    }

    /// Introspects `token` for `caller`. Callers are authenticated confidential clients; the
    /// HTTP edge refuses public ones before calling this. An access token meant for a
    /// protected resource is reported only to that resource's registered clients and to its
    /// own client (see `may_see`).
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
        if !self.may_see(caller, &c).await? {
            log::debug!(
                "client {} may not introspect a token meant for {:?}",
                caller.id,
                c.aud.values()
            );
            return Ok(IntrospectionResponse::inactive());
        }
        log::debug!(
            "client {} introspected an active token of {}",
            caller.id,
            c.client_id
        );
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(c.scope),
            client_id: Some(c.client_id),
            // RFC 9449 §6.2: a bound token's type is DPoP, and `cnf` names its key.
            token_type: Some(if c.cnf.is_some() {
                DPOP_TOKEN_TYPE
            } else {
                "Bearer"
            }),
            exp: Some(c.exp),
            iat: Some(c.iat),
            sub: Some(c.sub),
            aud: Some(c.aud),
            iss: Some(c.iss),
            jti: Some(c.jti),
            cnf: c.cnf,
        })
    }
}

#[cfg(test)]
mod resource_tests;
#[cfg(test)]
mod tests;
