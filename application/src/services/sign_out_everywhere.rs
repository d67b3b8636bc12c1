use crate::ports::{
    AuthorizationCodeRepository, Clock, RefreshTokenRepository, RevocationRepository,
    SessionRepository,
};
use crate::services::{grant_revocation_key, BackchannelLogout};
use crate::RepositoryError;
use std::collections::BTreeSet;
use std::sync::Arc;
use tessera_domain::{ClientId, UserId};

/// Ends everything a user is signed in with: browser sessions, authorization codes not yet
/// redeemed, every refresh-token family, and (through a denylist entry per grant, kept as long
/// as an access token can live) the access tokens of every grant, those that never issued a
/// refresh token included. Run after a password change or reset, an admin disable or "revoke
/// sessions", and before deleting an account (RFC 9700 §4.14.2, ASVS 7.4.2).
pub struct SignOutEverywhere {
    sessions: Arc<dyn SessionRepository>,
    codes: Arc<dyn AuthorizationCodeRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    clock: Arc<dyn Clock>,
    access_token_lifetime: i64,
    backchannel: Option<Arc<BackchannelLogout>>,
}

impl SignOutEverywhere {
    /// Builds the service; `access_token_lifetime` (seconds, skew included) bounds how long the
    /// grant denylist entries are kept.
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        codes: Arc<dyn AuthorizationCodeRepository>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        clock: Arc<dyn Clock>,
        access_token_lifetime: i64,
    ) -> Self {
        Self {
            sessions,
            codes,
            refresh_tokens,
            revocations,
            clock,
            access_token_lifetime,
            backchannel: None,
        }
    }

    /// The same service, queueing back-channel logout tokens for the sessions it ends.
    pub fn with_backchannel_logout(self, backchannel: Arc<BackchannelLogout>) -> Self {
        Self {
            backchannel: Some(backchannel),
            ..self
        }
    }

    /// The back-channel logout service it notifies, if any.
    pub fn backchannel_logout(&self) -> Option<&Arc<BackchannelLogout>> {
        self.backchannel.as_ref()
    }

    /// Signs `user` out everywhere; returns (sessions ended, grants revoked). Sessions go
    /// first, so that no new code can be issued while the codes are ended.
    pub async fn run(&self, user: &UserId) -> Result<(u64, usize), RepositoryError> {
        let sessions = self.sessions.delete_for_user(user).await?;
        if let Some(backchannel) = &self.backchannel {
            backchannel.user_sessions_ended(user, None).await?;
        }
        let families = self.refresh_tokens.revoke_for_user(user).await?;
        let grants = self.end_grants(user, None, families).await?;
        log::info!("signed user {user} out everywhere: {sessions} sessions, {grants} grants");
        Ok((sessions, grants))
    }

    /// Ends the codes of `user` (only those of `client`, when given) and denylists the
    /// grants they started together with the already revoked refresh `families`, so that the
    /// access tokens of grants without a refresh token die too; returns how many grants.
    pub async fn end_grants(
        &self,
        user: &UserId,
        client: Option<&ClientId>,
        families: Vec<String>,
    ) -> Result<usize, RepositoryError> {
        let now = self.clock.now();
        let mut grants: BTreeSet<String> = families.into_iter().collect();
        grants.extend(self.codes.revoke_for_user(user, client, now).await?);
        let until = now.plus(self.access_token_lifetime);
        for grant in &grants {
            self.revocations
                .revoke(&grant_revocation_key(grant), until)
                .await?;
        }
        Ok(grants.len())
    }
}

#[cfg(test)]
pub(crate) mod tests;
