use crate::ports::{Clock, RefreshTokenRepository, RevocationRepository, UserRepository};
use crate::services::code_grant::revoke_grant;
use crate::services::user_tokens::{Grant, TokenSet, UserTokenIssuer};
use crate::services::TokenError;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{Client, GrantType, ScopeSet, TokenDigest};

/// The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
pub struct RefreshTokenGrant {
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    users: Arc<dyn UserRepository>,
    issuer: Arc<UserTokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl RefreshTokenGrant {
    /// Builds the service.
    pub fn new(
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        users: Arc<dyn UserRepository>,
        issuer: Arc<UserTokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            refresh_tokens,
            revocations,
            users,
            issuer,
            clock,
        }
    }

    /// Rotates `token`: the old link is spent by one atomic statement and a successor issued.
    /// Presenting a spent link again, or losing a race for it, revokes the whole family.
    pub async fn refresh(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        client.ensure_grant(GrantType::RefreshToken)?;
        let now = self.clock.now();
        let invalid = |m: &str| TokenError::InvalidGrant(m.to_owned());
        let digest = TokenDigest::of(token);
        let stored = self
            .refresh_tokens
            .find(&digest)
            .await?
            .ok_or_else(|| invalid("the refresh token is not valid"))?;
        let rt = &stored.token;
        if rt.client_id != client.id {
            return Err(invalid("the refresh token was issued to another client"));
        }
        if stored.revoked {
            return Err(invalid("the refresh token was revoked"));
        }
        if stored.used {
            self.revoke_family(&rt.family_id, rt.family_expires_at)
                .await?;
            log::warn!("refresh token reused: family {} revoked", rt.family_id);
            return Err(invalid("the refresh token was already used"));
        }
        if rt.is_expired(now) {
            return Err(invalid("the refresh token has expired"));
        }
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
        let access_scope = rt
            .scope
            .narrow_to(requested.as_ref())
            .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
        let user = self
            .users
            .find(&rt.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| invalid("the user is no longer active"))?;
        let grant = Grant {
            client,
            user: &user,
            grant_id: &rt.family_id,
            scope: &access_scope,
            grant_scope: &rt.scope,
            auth_time: rt.auth_time,
            nonce: None,
        };
        let (next, successor) = self.issuer.successor(&grant, rt.family_expires_at);
        if !self.refresh_tokens.rotate(&digest, now, &successor).await? {
            self.revoke_family(&rt.family_id, rt.family_expires_at)
                .await?;
            log::warn!("refresh token raced: family {} revoked", rt.family_id);
            return Err(invalid("the refresh token was already used"));
        }
        let (access_token, id_token) = self.issuer.sign(&grant)?;
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in: self.issuer.settings().lifetimes.access_token,
            scope: access_scope,
            refresh_token: Some(next),
            id_token,
        })
    }

    async fn revoke_family(
        &self,
        family: &str,
        until: tessera_domain::UnixTime,
    ) -> Result<(), TokenError> {
        revoke_grant(
            family,
            until,
            self.refresh_tokens.as_ref(),
            self.revocations.as_ref(),
        )
        .await
    }

    /// Revokes the family of `token` if it belongs to `caller` (RFC 7009 for refresh tokens).
    /// Returns false when the token is not a known refresh token.
    pub async fn revoke(&self, caller: &Client, token: &str) -> Result<bool, TokenError> {
        let Some(stored) = self.refresh_tokens.find(&TokenDigest::of(token)).await? else {
            return Ok(false);
        };
        if stored.token.client_id != caller.id {
            return Err(TokenError::UnauthorizedClient(
                "the token was not issued to this client".into(),
            ));
        }
        self.revoke_family(&stored.token.family_id, stored.token.family_expires_at)
            .await?;
        Ok(true)
    }
}
