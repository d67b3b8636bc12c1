//! The signed-in person's own browser sessions and connected apps: what the account page and
//! the JSON account API list, and the "sign out" and "revoke" buttons behind them.

use crate::ports::{
    AuditLog, ClientRepository, ConsentRepository, SessionRepository, UserRepository,
};
use crate::services::SignOutEverywhere;
use crate::{RepositoryError, RequestContext};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditOutcome, AuthMethods, BrowserSession, ClientId, ScopeSet, TokenDigest,
    UnixTime, User, UserId,
};

/// Bytes of the session digest its public id shows: enough to tell sessions apart, far too
/// few to say anything about the cookie (which is never shown).
const PUBLIC_ID_BYTES: usize = 12;

/// One live browser session as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Public id: base64url of the first bytes of the cookie's digest, never the cookie.
    pub id: String,
    /// When the person signed in.
    pub auth_time: UnixTime,
    /// When the session ends at the latest.
    pub expires_at: UnixTime,
    /// How they signed in.
    pub amr: AuthMethods,
    /// True for the session the request came with.
    pub current: bool,
}

/// One app the person let in (a remembered consent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedApp {
    /// The client.
    pub client_id: ClientId,
    /// Its name as registered (the id when the client is gone).
    pub name: String,
    /// What it may do.
    pub scope: ScopeSet,
    /// When the consent was given.
    pub granted_at: UnixTime,
}

/// Withdraws `user`'s grant to `client`: the consent, the refresh tokens, the codes not yet
/// redeemed and (through the grant denylist) the access tokens. Returns false when there was
/// nothing to withdraw. Shared by the admin API and the person's own account.
pub(crate) async fn withdraw_grant(
    consents: &dyn ConsentRepository,
    sign_out: &SignOutEverywhere,
    user: &UserId,
    client: &ClientId,
) -> Result<bool, RepositoryError> {
    let (existed, families) = consents.revoke_with_grants(user, client).await?;
    let ended_families = !families.is_empty();
    sign_out.end_grants(user, Some(client), families).await?;
    // Spent codes are kept a while after their grant ends, so they do not count here: a
    // second withdrawal of the same consent is still "not found".
    Ok(existed || ended_families)
}

/// The public id of a session digest.
pub fn session_public_id(digest: &TokenDigest) -> String {
    let bytes = digest.as_bytes();
    URL_SAFE_NO_PAD.encode(bytes.get(..PUBLIC_ID_BYTES).unwrap_or(bytes))
}

/// A person's own sessions and connected apps.
pub struct AccountSessions {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    consents: Arc<dyn ConsentRepository>,
    clients: Arc<dyn ClientRepository>,
    sign_out: Arc<SignOutEverywhere>,
    audit: Arc<dyn AuditLog>,
}

impl AccountSessions {
    /// Builds the service.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        consents: Arc<dyn ConsentRepository>,
        clients: Arc<dyn ClientRepository>,
        sign_out: Arc<SignOutEverywhere>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            users,
            sessions,
            consents,
            clients,
            sign_out,
            audit,
        }
    }

    /// The account a live session belongs to, unless it is gone or disabled (the account
    /// page shows its profile).
    pub async fn account(&self, user: &UserId) -> Result<Option<User>, RepositoryError> {
        Ok(self.users.find(user).await?.filter(|u| !u.disabled))
    }

    /// The user's live sessions, newest sign-in first; `current` is the digest of the
    /// caller's own session cookie, if any.
    pub async fn sessions(
        &self,
        user: &UserId,
        current: Option<&TokenDigest>,
        now: UnixTime,
    ) -> Result<Vec<SessionView>, RepositoryError> {
        let live = self.sessions.list_for_user(user, now).await?;
        Ok(live.iter().map(|s| view(s, current)).collect())
    }

    /// Ends the user's session with public `id`; false when the user has no such live
    /// session (another person's session is never found).
    pub async fn end_session(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        id: &str,
    ) -> Result<bool, RepositoryError> {
        let live = self.sessions.list_for_user(user, ctx.now).await?;
        let Some(session) = live.iter().find(|s| session_public_id(&s.digest) == id) else {
            return Ok(false);
        };
        self.sessions.delete(&session.digest).await?;
        if let Some(backchannel) = self.sign_out.backchannel_logout() {
            backchannel.session_ended(&session.sid).await?;
        }
        self.record(ctx, AuditAction::SessionEnded, user, "account.sessions.end");
        Ok(true)
    }

    /// Ends every session of the user but `keep` (the caller's); returns how many ended.
    pub async fn end_other_sessions(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        keep: &TokenDigest,
    ) -> Result<u64, RepositoryError> {
        let kept = match self.sign_out.backchannel_logout() {
            Some(_) => self.sessions.find(keep, ctx.now).await?,
            None => None,
        };
        let ended = self.sessions.delete_others(user, keep).await?;
        if let Some(backchannel) = self.sign_out.backchannel_logout() {
            let keep_sid = kept.as_ref().map(|s| s.sid.as_str());
            backchannel.user_sessions_ended(user, keep_sid).await?;
        }
        if ended > 0 {
            self.record(
                ctx,
                AuditAction::SessionEnded,
                user,
                "account.sessions.end_others",
            );
        }
        Ok(ended)
    }

    /// The apps the user let in, by client id, with the clients' names.
    pub async fn apps(&self, user: &UserId) -> Result<Vec<ConnectedApp>, RepositoryError> {
        let consents = self.consents.list_for_user(user).await?;
        let mut apps = Vec::with_capacity(consents.len());
        for consent in consents {
            let name = match self.clients.find(&consent.client_id).await? {
                Some(client) => client.name,
                None => consent.client_id.as_str().to_owned(),
            };
            apps.push(ConnectedApp {
                client_id: consent.client_id,
                name,
                scope: consent.scope,
                granted_at: consent.granted_at,
            });
        }
        Ok(apps)
    }

    /// Withdraws the user's grant to `client` (exactly as the admin API does); false when
    /// there was nothing to withdraw.
    pub async fn revoke_app(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        client: &str,
    ) -> Result<bool, RepositoryError> {
        let Ok(client_id) = ClientId::parse(client) else {
            return Ok(false);
        };
        let withdrawn =
            withdraw_grant(self.consents.as_ref(), &self.sign_out, user, &client_id).await?;
        if withdrawn {
            self.audit.record(
                ctx.audit(AuditAction::ConsentRevoked, AuditOutcome::Success)
                    .actor(user.as_str())
                    .subject(user.as_str())
                    .client(client_id.as_str())
                    .detail("account.apps.revoke"),
            );
        }
        Ok(withdrawn)
    }

    fn record(&self, ctx: &RequestContext, action: AuditAction, user: &UserId, detail: &str) {
        self.audit.record(
            ctx.audit(action, AuditOutcome::Success)
                .actor(user.as_str())
                .subject(user.as_str())
                .detail(detail),
        );
    }
}

fn view(s: &BrowserSession, current: Option<&TokenDigest>) -> SessionView {
    SessionView {
        id: session_public_id(&s.digest),
        auth_time: s.auth_time,
        expires_at: s.expires_at,
        amr: s.amr,
        current: current.is_some_and(|c| *c == s.digest),
    }
}

#[cfg(test)]
mod tests;
