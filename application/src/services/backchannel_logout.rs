//! OpenID Connect Back-Channel Logout 1.0: when a browser session ends, every client that was
//! issued a code in it and registered a `backchannel_logout_uri` is sent a signed
//! `logout+jwt`, through a durable queue that retries with backoff and survives a restart.

use crate::errors::CryptoError;
use crate::ports::{
    random_token, AuditLog, ClientRepository, Clock, JwsEngine, LogoutDeliveryRepository,
    LogoutSender, RandomSource, SessionClientRepository,
};
use crate::{RepositoryError, RequestContext};
use std::sync::Arc;
use tessera_domain::{
    retry_delay_secs, AuditAction, AuditOutcome, BrowserSession, ClientId, LogoutDelivery,
    LogoutEvents, LogoutTokenClaims, SessionClient, UserId, LOGOUT_TOKEN_LIFETIME_SECS,
    LOGOUT_TOKEN_TYP,
};

/// How deliveries are paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Attempts before a delivery is given up (`backchannel_logout.max_attempts`).
    pub max_attempts: u32,
    /// Seconds before the first retry; doubled per failure, with jitter.
    pub retry_base_secs: i64,
    /// How long a claimed row stays invisible to other workers: longer than one send takes
    /// (the outbound timeout), so a row is never sent twice at once.
    pub lease_secs: i64,
    /// Rows claimed per round.
    pub batch: u32,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base_secs: 10,
            lease_secs: 60,
            batch: 50,
        }
    }
}

/// What a round of deliveries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Rows claimed.
    pub claimed: usize,
    /// Tokens the relying parties accepted.
    pub delivered: usize,
    /// Rows put back for a later attempt.
    pub retried: usize,
    /// Rows given up.
    pub failed: usize,
}

/// Queues and delivers back-channel logout tokens.
pub struct BackchannelLogout {
    session_clients: Arc<dyn SessionClientRepository>,
    deliveries: Arc<dyn LogoutDeliveryRepository>,
    clients: Arc<dyn ClientRepository>,
    jws: Arc<dyn JwsEngine>,
    sender: Arc<dyn LogoutSender>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    issuer: String,
    policy: DeliveryPolicy,
}

/// The ports [`BackchannelLogout`] works through.
pub struct BackchannelLogoutDeps {
    /// Which clients got codes in which session.
    pub session_clients: Arc<dyn SessionClientRepository>,
    /// The queue.
    pub deliveries: Arc<dyn LogoutDeliveryRepository>,
    /// The registered clients (their `backchannel_logout_uri`).
    pub clients: Arc<dyn ClientRepository>,
    /// Signs the logout tokens.
    pub jws: Arc<dyn JwsEngine>,
    /// POSTs them.
    pub sender: Arc<dyn LogoutSender>,
    /// Records each delivery and each give-up.
    pub audit: Arc<dyn AuditLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Row ids, `jti`s and jitter.
    pub rng: Arc<dyn RandomSource>,
}

impl BackchannelLogout {
    /// Builds the service for tokens issued by `issuer`.
    pub fn new(deps: BackchannelLogoutDeps, issuer: String, policy: DeliveryPolicy) -> Self {
        Self {
            session_clients: deps.session_clients,
            deliveries: deps.deliveries,
            clients: deps.clients,
            jws: deps.jws,
            sender: deps.sender,
            audit: deps.audit,
            clock: deps.clock,
            rng: deps.rng,
            issuer,
            policy,
        }
    }

    /// The pacing in force.
    pub fn policy(&self) -> DeliveryPolicy {
        self.policy
    }

    /// Records that `client` was issued a code in `session`, so it hears when the session ends.
    pub async fn record(
        &self,
        session: &BrowserSession,
        client: &ClientId,
    ) -> Result<(), RepositoryError> {
        self.session_clients
            .record(&SessionClient {
                sid: session.sid.clone(),
                client_id: client.clone(),
                user_id: session.user_id.clone(),
                expires_at: session.expires_at,
            })
            .await
    }

    /// Session `sid` ended: queues a logout token for each of its clients that asked for one.
    /// Returns how many were queued.
    pub async fn session_ended(&self, sid: &str) -> Result<usize, RepositoryError> {
        let ended = self.session_clients.take_for_session(sid).await?;
        self.enqueue(ended).await
    }

    /// Every session of `user` but `keep` ended: queues their clients' logout tokens.
    pub async fn user_sessions_ended(
        &self,
        user: &UserId,
        keep: Option<&str>,
    ) -> Result<usize, RepositoryError> {
        let ended = self.session_clients.take_for_user(user, keep).await?;
        self.enqueue(ended).await
    }

    async fn enqueue(&self, ended: Vec<SessionClient>) -> Result<usize, RepositoryError> {
        if ended.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        let mut queued = Vec::new();
        for entry in ended {
            let Some(client) = self.clients.find(&entry.client_id).await? else {
                continue;
            };
            let Some(uri) = client.security.backchannel_logout_uri.clone() else {
                continue;
            };
            queued.push(LogoutDelivery {
                id: random_token(self.rng.as_ref(), 16),
                client_id: entry.client_id,
                uri,
                user_id: entry.user_id,
                sid: Some(entry.sid),
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
            });
        }
        if !queued.is_empty() {
            self.deliveries.enqueue(&queued).await?;
            log::info!("queued {} back-channel logout tokens", queued.len());
        }
        Ok(queued.len())
    }

    /// Claims the deliveries due now and sends them, one after the other; the worker calls
    /// it in a loop.
    pub async fn deliver_due(&self) -> Result<DeliveryRound, RepositoryError> {
        let now = self.clock.now();
        let lease_until = now.plus(self.policy.lease_secs.max(1));
        let claimed = self
            .deliveries
            .claim_due(now, lease_until, self.policy.batch.max(1))
            .await?;
        let mut round = DeliveryRound {
            claimed: claimed.len(),
            ..DeliveryRound::default()
        };
        for delivery in claimed {
            match self.deliver(&delivery).await? {
                Sent::Delivered => round.delivered += 1,
                Sent::Retried => round.retried += 1,
                Sent::Failed => round.failed += 1,
            }
        }
        Ok(round)
    }

    async fn deliver(&self, d: &LogoutDelivery) -> Result<Sent, RepositoryError> {
        let Some(client) = self.clients.find(&d.client_id).await? else {
            return self.give_up(d, "the client is gone").await;
        };
        let reason = match self.logout_token(d, client.security.backchannel_logout_session_required)
        {
            Ok(token) => match self.sender.send(&d.uri, &token).await {
                Ok(()) => {
                    self.deliveries.delivered(&d.id, self.clock.now()).await?;
                    self.audit_delivery(
                        d,
                        AuditAction::BackchannelLogoutDelivered,
                        AuditOutcome::Success,
                        "delivered",
                    );
                    return Ok(Sent::Delivered);
                }
                Err(e) => e.to_string(),
            },
            Err(e) => format!("could not sign the logout token: {e}"),
        };
        if d.attempts >= self.policy.max_attempts {
            return self
                .give_up(
                    d,
                    &format!("given up after {} attempts: {reason}", d.attempts),
                )
                .await;
        }
        let mut jitter = [0u8; 2];
        self.rng.fill(&mut jitter);
        let delay = retry_delay_secs(
            self.policy.retry_base_secs,
            d.attempts,
            u16::from_le_bytes(jitter) % 1001,
        );
        log::info!(
            "back-channel logout to client {} failed (attempt {}): {reason}; next in {delay}s",
            d.client_id,
            d.attempts
        );
        self.deliveries
            .retry_at(&d.id, self.clock.now().plus(delay))
            .await?;
        Ok(Sent::Retried)
    }

    async fn give_up(&self, d: &LogoutDelivery, why: &str) -> Result<Sent, RepositoryError> {
        self.deliveries.failed(&d.id, self.clock.now()).await?;
        log::warn!(
            "back-channel logout to client {} failed: {why}",
            d.client_id
        );
        self.audit_delivery(
            d,
            AuditAction::BackchannelLogoutFailed,
            AuditOutcome::Failure,
            why,
        );
        Ok(Sent::Failed)
    }

    /// Signs the logout token of `d` now (fresh `iat`, `exp`, `jti`).
    fn logout_token(
        &self,
        d: &LogoutDelivery,
        session_required: bool,
    ) -> Result<String, CryptoError> {
        let now = self.clock.now();
        let claims = LogoutTokenClaims {
            iss: self.issuer.clone(),
            aud: d.client_id.to_string(),
            iat: now.as_secs(),
            exp: now.plus(LOGOUT_TOKEN_LIFETIME_SECS).as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            events: LogoutEvents::default(),
            sub: Some(d.user_id.to_string()),
            sid: d.sid.clone(),
        };
        if session_required && claims.sid.is_none() {
            return Err(CryptoError::Backend(
                "the client requires sid and the session has none".into(),
            ));
        }
        let map = match serde_json::to_value(&claims) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(CryptoError::Backend("logout token claims".into())),
        };
        self.jws.sign(LOGOUT_TOKEN_TYP, &map)
    }

    fn audit_delivery(
        &self,
        d: &LogoutDelivery,
        action: AuditAction,
        outcome: AuditOutcome,
        detail: &str,
    ) {
        self.audit.record(
            RequestContext::internal(self.clock.now())
                .audit(action, outcome)
                .subject(d.user_id.as_str())
                .client(d.client_id.as_str())
                .detail(detail),
        );
    }
}

/// How one delivery ended this round.
enum Sent {
    Delivered,
    Retried,
    Failed,
}

#[cfg(test)]
mod session_end_tests;
#[cfg(test)]
mod tests;
