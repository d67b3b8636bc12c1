use crate::ports::{
    AuditLog, Clock, KeyCipher, RefreshTokenRepository, RevocationRepository, StoredRefreshToken,
    UserRepository,
};
use crate::services::code_grant::revoke_grant;
use crate::services::resource_indicators::narrow_target;
use crate::services::user_tokens::{TokenSet, UserGrant, UserTokenIssuer};
use crate::services::{ResourceIndicators, TokenError};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditEvent, AuditOutcome, Client, GrantType, RefreshToken, ScopeSet, TokenDigest,
    UnixTime,
};

/// The optional refresh-token grace window: for `window_secs` after a rotation, a
/// repeat of it by the same client gets the very same successor tokens back instead of
/// revoking the family, at most [`RefreshGrace::MAX_REPLAYS`] times. Outside the window, or
/// once the replays are spent, reuse revokes the family as without it.
#[derive(Clone)]
pub struct RefreshGrace {
    /// The window in seconds after the rotation (the configuration allows 1 to 60).
    pub window_secs: i64,
    /// Encrypts the successor response kept on the spent token's row.
    pub cipher: Arc<dyn KeyCipher>,
}

impl RefreshGrace {
    /// Most replays of one spent token: enough for a client that fires 16 parallel retries of
    /// one refresh (the winner plus 15 replays), and still a small bound.
    pub const MAX_REPLAYS: u32 = 16;
}

/// The successor response as kept, encrypted, on the spent token's row.
#[derive(Serialize, Deserialize)]
struct Replay {
    refresh_token: String,
    access_token: String,
    id_token: Option<String>,
    scope: String,
    expires_in: i64,
}

/// Associated data of a replay: binds it to the row of the spent token, so a stored replay
/// cannot be moved to another row.
fn replay_aad(old: &TokenDigest) -> Vec<u8> {
    let mut aad = b"refresh-replay:".to_vec();
    aad.extend_from_slice(old.as_bytes());
    aad
}

/// The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
pub struct RefreshTokenGrant {
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    users: Arc<dyn UserRepository>,
    issuer: Arc<UserTokenIssuer>,
    clock: Arc<dyn Clock>,
    grace: Option<RefreshGrace>,
    audit: Option<Arc<dyn AuditLog>>,
    resources: Option<Arc<ResourceIndicators>>,
}

impl RefreshTokenGrant {
    /// Reports refresh-token reuse (a replayed, already rotated token: a sign of theft) to
    /// the audit log.
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Builds the service; `grace` turns the grace window on (`None`: off, every reuse
    /// revokes).
    pub fn new(
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        users: Arc<dyn UserRepository>,
        issuer: Arc<UserTokenIssuer>,
        clock: Arc<dyn Clock>,
        grace: Option<RefreshGrace>,
    ) -> Self {
        Self {
            refresh_tokens,
            revocations,
            users,
            issuer,
            clock,
            grace: grace.filter(|g| g.window_secs > 0),
            audit: None,
            resources: None,
        }
    }

    /// The same grant honouring the families' resources (RFC 8707) through `resources`.
    pub fn with_resources(mut self, resources: Arc<ResourceIndicators>) -> Self {
        self.resources = Some(resources);
        self
    }

    /// [`Self::refresh_for`] without `resource` parameters: the access token is for every
    /// resource of the grant.
    pub async fn refresh(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        self.refresh_for(client, token, scope, &[]).await
    }

    /// Rotates `token`: the old link is spent by one atomic statement and a successor issued.
    /// Presenting a spent link again, or losing a race for it, revokes the whole family,
    /// unless the grace window is on and the request is a replay within it. `resources`
    /// (RFC 8707 §2.2) may narrow the access token to some of the grant's resources.
    pub async fn refresh_for(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
        resources: &[&str],
    ) -> Result<TokenSet, TokenError> {
        self.refresh_bound(client, token, scope, resources, None)
            .await
    }

    /// [`Self::refresh_for`] with the thumbprint of a checked DPoP proof, if any. A refresh
    /// token bound to a key (a public client's, RFC 9449 §5) needs a proof of that very key;
    /// the new access token is bound to the proof's key.
    pub async fn refresh_bound(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
        resources: &[&str],
        dpop_jkt: Option<&str>,
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
        if let Some(bound) = &rt.dpop_jkt {
            if dpop_jkt != Some(bound.as_str()) {
                return Err(invalid(
                    "the refresh token is bound to another DPoP key than the proof's",
                ));
            }
        }
        // The grant's denylist entry also counts: a code reuse may revoke the grant before the
        // first redemption has stored its refresh token.
        let grant_key = super::code_grant::grant_revocation_key(&rt.grant_id);
        if stored.revoked || self.revocations.is_revoked(&grant_key).await? {
            return Err(invalid("the refresh token was revoked"));
        }
        if stored.used {
            return self.spent(client, &stored, scope, now, "reused").await;
        }
        if rt.is_expired(now) {
            return Err(invalid("the refresh token has expired"));
        }
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(TokenError::InvalidScope)?;
        let access_scope = rt
            .scope
            .narrow_to(requested.as_ref())
            .map_err(TokenError::InvalidScope)?;
        let user = self
            .users
            .find(&rt.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| invalid("the user is no longer active"))?;
        let target = narrow_target(self.resources.as_deref(), &rt.resources, resources).await?;
        let grant = UserGrant {
            dpop_jkt,
            target: &target,
            grant_resources: &rt.resources,
            sid: None,
            client,
            user: &user,
            grant_id: &rt.grant_id,
            scope: &access_scope,
            grant_scope: &rt.scope,
            auth_time: rt.auth_time,
            amr: rt.amr,
            nonce: None,
        };
        // Sign before spending the old link: a signing failure after rotation would leave the
        // client without the successor, and its retry with the old link would look like reuse
        // and revoke the whole family. Signing has no side effects, so a lost race just
        // discards these tokens.
        let (access_token, id_token) = self.issuer.sign(&grant)?;
        let access_scope = grant.access_scope();
        let (next, successor) = self.issuer.successor(&grant, rt.family_expires_at);
        let expires_in = self.issuer.settings().lifetimes.access_token;
        // With the grace window on, the response is kept (encrypted) on the old row by the
        // same transaction that spends it, so a replay finds it whenever the token is spent.
        let replay = match &self.grace {
            Some(grace) => Some(seal(
                grace,
                &digest,
                &Replay {
                    refresh_token: next.expose_secret().to_owned(),
                    access_token: access_token.clone(),
                    id_token: id_token.clone(),
                    scope: access_scope.to_string(),
                    expires_in,
                },
            )?),
            None => None,
        };
        if !self
            .refresh_tokens
            .rotate(&digest, now, &successor, replay)
            .await?
        {
            // Lost the race. With the grace window on, the winner's replay may serve
            // this request: look at the row as the winner left it.
            if self.grace.is_some() {
                if let Some(again) = self.refresh_tokens.find(&digest).await? {
                    if again.used {
                        return self.spent(client, &again, scope, now, "raced").await;
                    }
                }
            }
            self.revoke_family(&rt.grant_id, rt.family_expires_at)
                .await?;
            log::warn!("refresh token raced: family {} revoked", rt.grant_id);
            return Err(invalid("the refresh token was already used"));
        }
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in,
            scope: access_scope,
            refresh_token: Some(next),
            id_token,
            dpop_bound: false,
        })
    }

    /// A spent token was presented: a replay within the grace window, or else reuse, which
    /// revokes the family (AS-21).
    async fn spent(
        &self,
        client: &Client,
        stored: &StoredRefreshToken,
        scope: Option<&str>,
        now: UnixTime,
        what: &str,
    ) -> Result<TokenSet, TokenError> {
        if let Some(tokens) = self.replay(client, stored, scope, now).await? {
            return Ok(tokens);
        }
        let rt = &stored.token;
        self.revoke_family(&rt.grant_id, rt.family_expires_at)
            .await?;
        log::warn!("refresh token {what}: family {} revoked", rt.grant_id);
        if let Some(audit) = &self.audit {
            audit.record(
                AuditEvent::new(now, AuditAction::RefreshTokenReuse, AuditOutcome::Failure)
                    .subject(rt.user_id.as_str())
                    .client(client.id.as_str())
                    .detail(format!("{what}; family {} revoked", rt.grant_id)),
            );
        }
        Err(TokenError::InvalidGrant(
            "the refresh token was already used".into(),
        ))
    }

    /// The successor tokens of the spent `stored` again, if this request is a replay: the
    /// window is on, the same client repeats the same request within it, the family is not
    /// revoked, and one of the bounded replays could be claimed. `None` otherwise.
    async fn replay(
        &self,
        client: &Client,
        stored: &StoredRefreshToken,
        scope: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<TokenSet>, TokenError> {
        let Some(grace) = &self.grace else {
            return Ok(None);
        };
        let rt = &stored.token;
        let (Some(used_at), Some(sealed)) = (stored.used_at, &stored.replay) else {
            return Ok(None);
        };
        let age = now.as_secs().saturating_sub(used_at.as_secs());
        if stored.revoked || rt.client_id != client.id || !(0..=grace.window_secs).contains(&age) {
            return Ok(None);
        }
        let grant_key = super::code_grant::grant_revocation_key(&rt.grant_id);
        if self.revocations.is_revoked(&grant_key).await? {
            return Ok(None);
        }
        let Some(replay) = open(grace, &rt.digest, sealed) else {
            return self.unopenable(rt).await;
        };
        // The same request: a different (or bad) scope is not a retry of the rotation.
        let same_scope = scope
            .map(ScopeSet::parse)
            .transpose()
            .ok()
            .and_then(|requested| rt.scope.narrow_to(requested.as_ref()).ok())
            .is_some_and(|s| s.to_string() == replay.scope);
        if !same_scope {
            return Ok(None);
        }
        let active = self
            .users
            .find(&rt.user_id)
            .await?
            .is_some_and(|u| !u.disabled);
        if !active {
            return Err(TokenError::InvalidGrant(
                "the user is no longer active".into(),
            ));
        }
        if !self
            .refresh_tokens
            .claim_replay(&rt.digest, RefreshGrace::MAX_REPLAYS)
            .await?
        {
            return Ok(None);
        }
        let scope = ScopeSet::parse(&replay.scope).map_err(TokenError::ReplayScope)?;
        log::info!(
            "refresh token replayed within the grace window: family {}",
            rt.grant_id
        );
        Ok(Some(TokenSet {
            access_token: SecretString::from(replay.access_token),
            // The same access token, some seconds older.
            expires_in: replay.expires_in.saturating_sub(age).max(0),
            scope,
            refresh_token: Some(SecretString::from(replay.refresh_token)),
            id_token: replay.id_token,
            dpop_bound: false,
        }))
    }

    /// A retry within the window whose kept replay does not open. The server alone writes
    /// replays, so this means they were sealed under another key (a replay kept just before an
    /// upgrade that gave replays their own key, or a changed `secret_key`): refuse without
    /// revoking, as a replay that opened would not have revoked either, within the same bound.
    async fn unopenable(&self, rt: &RefreshToken) -> Result<Option<TokenSet>, TokenError> {
        if !self
            .refresh_tokens
            .claim_replay(&rt.digest, RefreshGrace::MAX_REPLAYS)
            .await?
        {
            return Ok(None);
        }
        Err(TokenError::InvalidGrant(
            "the refresh token was already used".into(),
        ))
    }

    async fn revoke_family(&self, family: &str, until: UnixTime) -> Result<(), TokenError> {
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
        self.revoke_family(&stored.token.grant_id, stored.token.family_expires_at)
            .await?;
        Ok(true)
    }
}

/// Encrypts the successor response for the row of `old`.
fn seal(grace: &RefreshGrace, old: &TokenDigest, replay: &Replay) -> Result<Vec<u8>, TokenError> {
    let plain = serde_json::to_vec(replay)
        .map(|v| SecretBox::new(Box::new(v)))
        .map_err(TokenError::ReplayEncoding)?;
    Ok(grace
        .cipher
        .encrypt(plain.expose_secret(), &replay_aad(old))?)
}

/// Decrypts the replay of the row of `old`. One that does not open (sealed under another key,
/// an altered row) is never replayed.
fn open(grace: &RefreshGrace, old: &TokenDigest, sealed: &[u8]) -> Option<Replay> {
    // The errors are not shown: the cipher's names the associated data, and serde's may
    // quote the plaintext.
    let opened = match grace.cipher.decrypt(sealed, &replay_aad(old)) {
        Ok(plain) => {
            serde_json::from_slice::<Replay>(plain.expose_secret()).map_err(|_| "it does not parse")
        }
        Err(_) => Err("it does not decrypt with the configured secret_key"),
    };
    match opened {
        Ok(replay) => Some(replay),
        Err(why) => {
            log::error!("a refresh replay cannot be opened ({why}); refusing the retry");
            None
        }
    }
}

#[cfg(test)]
mod dpop_tests;
#[cfg(test)]
mod tests;
