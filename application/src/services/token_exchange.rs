//! OAuth 2.0 Token Exchange (RFC 8693): a service holding a user's access token trades it for
//! one meant for another registered resource, for itself (impersonation) or, with its own
//! token as `actor_token`, acting for the user (delegation, the result carries `act`).
//!
//! The result is never more than the subject token: its scope is a subset of the subject's,
//! its expiry no later, and it carries the subject's grant id so revoking the original grant
//! kills it too. Which audiences a client may exchange for is explicit per-client policy
//! (`Client::exchange_audiences`), and every attempt, answered or refused, is audited.

use crate::errors::CryptoError;
use crate::ports::{random_token, AuditLog, Clock, JwsEngine, RandomSource};
use crate::services::{
    AccessTokenVerifier, ResourceIndicators, TokenError, TokenSet, ACCESS_TOKEN_TYP,
};
use crate::{IssuerSettings, RequestContext};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    AccessTokenClaims, Actor, AuditAction, AuditOutcome, Client, Confirmation, GrantType,
    ResourceTarget, ScopeSet,
};

/// RFC 8693 §3: the token type URI of an OAuth access token, the only type Tessera accepts as
/// `subject_token_type`/`actor_token_type` and issues as `issued_token_type`.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The longest `act` chain kept; a deeper one is surely a loop, and tokens must stay small.
pub const MAX_ACTOR_CHAIN: usize = 5;

/// One token-exchange request's parameters (RFC 8693 §2.1), parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRequest<'a> {
    /// The token whose subject the new token is about.
    pub subject_token: &'a str,
    /// Its type URI.
    pub subject_token_type: &'a str,
    /// The token of the party that will act for the subject (delegation), if any.
    pub actor_token: Option<&'a str>,
    /// Its type URI; required with `actor_token`, forbidden without.
    pub actor_token_type: Option<&'a str>,
    /// `resource` values (RFC 8707 identifiers; the parameter may repeat).
    pub resources: &'a [&'a str],
    /// `audience` values: here, identifiers of registered resources too.
    pub audiences: &'a [&'a str],
    /// The scope asked for; by default the subject's, cut to the target.
    pub scope: Option<&'a str>,
    /// The type asked for; only access tokens are issued.
    pub requested_token_type: Option<&'a str>,
    /// The thumbprint of a checked DPoP proof: the new token is bound to it (RFC 9449 §5).
    pub dpop_jkt: Option<&'a str>,
}

/// What the audit event of one attempt names; filled in as the request is understood.
#[derive(Default)]
struct Attempt {
    subject: Option<String>,
    actor: Option<String>,
    audience: Vec<String>,
}

/// The token-exchange grant.
pub struct TokenExchangeGrant {
    verifier: AccessTokenVerifier,
    indicators: ResourceIndicators,
    jws: Arc<dyn JwsEngine>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    audit: Arc<dyn AuditLog>,
    settings: IssuerSettings,
}

/// The ports the grant needs.
pub struct TokenExchangeDeps {
    /// Checks subject and actor tokens (signature, issuer, lifetime, revocation).
    pub verifier: AccessTokenVerifier,
    /// Resolves `resource` and `audience` values to registered resources.
    pub indicators: ResourceIndicators,
    /// Signs the new token.
    pub jws: Arc<dyn JwsEngine>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// For the new token's `jti`.
    pub rng: Arc<dyn RandomSource>,
    /// Where every attempt is recorded.
    pub audit: Arc<dyn AuditLog>,
    /// Issuer, default audience, lifetimes.
    pub settings: IssuerSettings,
}

impl TokenExchangeGrant {
    /// Builds the service.
    pub fn new(d: TokenExchangeDeps) -> Self {
        Self {
            verifier: d.verifier,
            indicators: d.indicators,
            jws: d.jws,
            clock: d.clock,
            rng: d.rng,
            audit: d.audit,
            settings: d.settings,
        }
    }

    /// Runs the exchange for the authenticated `client` and audits it, answered or refused,
    /// with the subject, the actor and the audience as far as they were known.
    pub async fn exchange(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: ExchangeRequest<'_>,
    ) -> Result<TokenSet, TokenError> {
        let mut attempt = Attempt::default();
        let result = self.run(client, request, &mut attempt).await;
        let (outcome, detail) = match &result {
            Ok(t) => (AuditOutcome::Success, format!("scope={}", t.scope)),
            Err(e) => (AuditOutcome::Failure, format!("error={}", e.code())),
        };
        let mut event = ctx
            .audit(AuditAction::TokenExchanged, outcome)
            .client(client.id.as_str())
            .detail(format!(
                "{detail} audience={} actor={}",
                attempt.audience.join(","),
                attempt.actor.as_deref().unwrap_or("-"),
            ));
        if let Some(subject) = attempt.subject {
            event = event.subject(subject);
        }
        if let Some(actor) = attempt.actor {
            event = event.actor(actor);
        }
        self.audit.record(event);
        result
    }

    async fn run(
        &self,
        client: &Client,
        r: ExchangeRequest<'_>,
        attempt: &mut Attempt,
    ) -> Result<TokenSet, TokenError> {
        if client.is_public() {
            return Err(TokenError::UnauthorizedClient(
                "a public client may not exchange tokens".into(),
            ));
        }
        client.ensure_grant(GrantType::TokenExchange)?;
        check_types(&r)?;
        let subject = self
            .verifier
            .verify_active(r.subject_token)
            .await?
            .ok_or_else(|| {
                TokenError::InvalidRequest(
                    "the subject_token is not an active access token of this issuer".into(),
                )
            })?;
        attempt.subject = Some(subject.sub.clone());
        let actor = match r.actor_token {
            None => None,
            Some(t) => {
                let a = self.verifier.verify_active(t).await?.ok_or_else(|| {
                    TokenError::InvalidRequest(
                        "the actor_token is not an active access token of this issuer".into(),
                    )
                })?;
                attempt.actor = Some(a.sub.clone());
                Some(a)
            }
        };
        let target = self.target(client, &r, attempt).await?;
        let scope = bounded_scope(&subject, r.scope, &target)?;
        let act = match &actor {
            // Delegation: the new actor on top of whatever chain the subject already carried.
            Some(a) => Some(Actor::on_top_of(
                a.sub.clone(),
                Some(a.client_id.clone()),
                subject.act.clone(),
            )),
            // Impersonation: an existing chain is kept, never laundered away.
            None => subject.act.clone(),
        };
        if act.as_ref().is_some_and(|a| a.depth() > MAX_ACTOR_CHAIN) {
            return Err(TokenError::InvalidRequest(format!(
                "a delegation chain holds at most {MAX_ACTOR_CHAIN} actors"
            )));
        }
        let now = self.clock.now();
        let mut exp = now
            .plus(self.settings.lifetimes.access_token)
            .as_secs()
            .min(subject.exp);
        if let Some(a) = &actor {
            exp = exp.min(a.exp);
        }
        let claims = AccessTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: subject.sub.clone(),
            aud: target.audience(&self.settings.audience),
            exp,
            iat: now.as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            client_id: client.id.to_string(),
            scope: scope.to_string(),
            auth_time: subject.auth_time,
            grant_id: subject.grant_id.clone(),
            act,
            cnf: r.dpop_jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        };
        let claims = match serde_json::to_value(&claims) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(CryptoError::backend("claims did not serialise").into()),
        };
        let token = self.jws.sign(ACCESS_TOKEN_TYP, &claims)?;
        Ok(TokenSet {
            access_token: SecretString::from(token),
            expires_in: exp.saturating_sub(now.as_secs()),
            scope,
            refresh_token: None,
            id_token: None,
            dpop_bound: false,
        })
    }

    /// The registered resources named by `resource` and `audience`, each allowed for `client`
    /// by its exchange policy.
    async fn target(
        &self,
        client: &Client,
        r: &ExchangeRequest<'_>,
        attempt: &mut Attempt,
    ) -> Result<ResourceTarget, TokenError> {
        let values: Vec<&str> = r.resources.iter().chain(r.audiences).copied().collect();
        attempt.audience = values.iter().map(|v| (*v).to_owned()).collect();
        if values.is_empty() {
            return Err(TokenError::InvalidRequest(
                "name the target of the exchange with resource or audience".into(),
            ));
        }
        let target = self.indicators.resolve(&values).await?;
        if let Some(refused) = target
            .identifiers()
            .into_iter()
            .find(|id| !client.exchange_audiences.contains(id))
        {
            return Err(TokenError::InvalidTarget(format!(
                "client {} may not exchange tokens for {:?}",
                client.id.as_str(),
                refused.as_str()
            )));
        }
        Ok(target)
    }
}

/// The RFC 8693 §2.1 type rules: only access tokens in and out; `actor_token` and
/// `actor_token_type` come together or not at all.
fn check_types(r: &ExchangeRequest<'_>) -> Result<(), TokenError> {
    if r.subject_token_type != ACCESS_TOKEN_TYPE {
        return Err(TokenError::InvalidRequest(format!(
            "subject_token_type must be {ACCESS_TOKEN_TYPE}"
        )));
    }
    match (r.actor_token, r.actor_token_type) {
        (Some(_), None) => {
            return Err(TokenError::InvalidRequest(
                "actor_token_type is required with actor_token".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(TokenError::InvalidRequest(
                "actor_token_type without actor_token".into(),
            ))
        }
        (Some(_), Some(t)) if t != ACCESS_TOKEN_TYPE => {
            return Err(TokenError::InvalidRequest(format!(
                "actor_token_type must be {ACCESS_TOKEN_TYPE}"
            )))
        }
        _ => {}
    }
    if r.requested_token_type
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(TokenError::InvalidRequest(format!(
            "only {ACCESS_TOKEN_TYPE} can be requested"
        )));
    }
    Ok(())
}

/// The new token's scope: the request (or, without one, all of the subject's), never beyond
/// the subject's, cut to what the target defines, as every RFC 8707 grant cuts it.
fn bounded_scope(
    subject: &AccessTokenClaims,
    requested: Option<&str>,
    target: &ResourceTarget,
) -> Result<ScopeSet, TokenError> {
    let held = ScopeSet::parse(&subject.scope).map_err(TokenError::InvalidScope)?;
    let requested = requested
        .map(ScopeSet::parse)
        .transpose()
        .map_err(TokenError::InvalidScope)?;
    let asked = held
        .narrow_to(requested.as_ref())
        .map_err(TokenError::InvalidScope)?;
    Ok(target.cut_scope(&asked))
}

#[cfg(test)]
mod tests;
