//! Signing in through an upstream identity provider: the authorization code flow with PKCE
//! S256, `state` and `nonce` (OIDC Core §3.1.2), the callback's checks (`state` single use,
//! RFC 9207 `iss`), the code redemption, the ID token's checks (OIDC Core §3.1.3.7) or
//! GitHub's user API, and the account policy: a person is found by (upstream, `sub`) only;
//! an unknown person gets a just-in-time account when allowed, but an existing account with
//! the same email is linked only after its owner proves it (never silently).
//!
//! The pending sign-in ([`PendingUpstreamLogin`]) is the edge's to keep, bound to the
//! browser (a sealed cookie) together with the authorization request it serves.

use crate::ports::{
    AuditLog, Clock, KeyCipher, RandomSource, ReplayCache, ReplayKind, UpstreamCallError,
    UpstreamIdentityRepository, UpstreamProvider, UpstreamRepository, UserRepository,
};
use crate::services::upstream_registry::callback_url;
use crate::{RepositoryError, RequestContext};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tessera_domain::{
    check_id_token_claims, email_from_claims, AuditAction, AuditOutcome, Email, ExpectedIdToken,
    LoginAttempts, UnixTime, Upstream, UpstreamId, UpstreamIdentity, UpstreamKind, UpstreamSubject,
    User, UserId,
};

/// How long a started upstream sign-in may take (the person may have to sign in there).
pub const UPSTREAM_LOGIN_TTL_SECS: i64 = 600;

/// A started sign-in, kept by the edge in the browser until the callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpstreamLogin {
    /// The upstream it went to.
    pub upstream: String,
    /// The `state` sent (256 bits).
    pub state: String,
    /// The `nonce` sent (256 bits).
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent.
    pub code_verifier: String,
    /// When it stops being accepted (unix seconds).
    pub expires_at: i64,
    /// Set when a signed-in person links another sign-in from their account page: the
    /// account to link to (the callback then requires that account's session).
    pub link_for: Option<String>,
}

/// What the upstream sent back to the callback (RFC 6749 §4.1.2, RFC 9207).
#[derive(Debug, Clone, Default)]
pub struct UpstreamCallback {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `iss` (RFC 9207).
    pub iss: Option<String>,
    /// `error` (RFC 6749 §4.1.2.1), e.g. `access_denied`.
    pub error: Option<String>,
}

/// A person the upstream vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUpstreamPerson {
    /// The upstream.
    pub upstream: UpstreamId,
    /// Its display name (for pages and the audit).
    pub upstream_name: String,
    /// Who they are there.
    pub subject: UpstreamSubject,
    /// Their email, as the mapping's claim says.
    pub email: Option<String>,
    /// Whether the upstream verified that email.
    pub email_verified: bool,
    /// Their display name.
    pub name: Option<String>,
}

/// What happens with a verified person.
#[derive(Debug)]
pub enum UpstreamAccount {
    /// A linked (or just created) account: sign it in.
    SignIn(User),
    /// Linked to the signed-in account that asked for it (from the account page).
    Linked(User),
    /// Not linked, but an account has this email: its owner must prove it first.
    ProveExisting(User),
    /// Not linked, no account, and just-in-time accounts are off.
    NoAccount,
    /// Not linked and nothing to make an account from (no email from the upstream).
    NoEmail,
}

/// Why an upstream sign-in failed. None of these leaves an account or link behind.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamSignInError {
    /// No such upstream (deleted meanwhile, or a made-up id).
    #[error("no such upstream")]
    UnknownUpstream,
    /// No pending sign-in in this browser, or it expired, or it was for another upstream.
    #[error("no pending sign-in for this upstream in this browser")]
    NoPendingLogin,
    /// `state` is missing or not this browser's.
    #[error("state does not match")]
    State,
    /// `state` was used before (a replayed callback).
    #[error("state was used already")]
    Replayed,
    /// RFC 9207: `iss` is missing though promised, or names another issuer (mix-up).
    #[error("iss in the response is not the upstream's issuer")]
    MixUp,
    /// The upstream said no (`error` in the response).
    #[error("the upstream refused: {0}")]
    Refused(String),
    /// The response has no code.
    #[error("the response has no code")]
    NoCode,
    /// The upstream could not be reached.
    #[error(transparent)]
    Unavailable(UpstreamCallError),
    /// The upstream's answer or ID token is not acceptable.
    #[error("the upstream's answer was refused: {0}")]
    Invalid(String),
    /// The linked account is disabled.
    #[error("the account is disabled")]
    Disabled,
    /// The sign-in from the account page finished in a browser without that account's session,
    /// or the identity is linked to another account already.
    #[error("this sign-in cannot be linked to this account")]
    LinkRefused,
    /// The client secret does not open (a different `secret_key`?).
    #[error("the client secret cannot be decrypted")]
    Secret,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// The dependencies of [`UpstreamSignIn`].
pub struct UpstreamSignInDeps {
    /// Registered upstreams.
    pub upstreams: Arc<dyn UpstreamRepository>,
    /// Links to local accounts.
    pub links: Arc<dyn UpstreamIdentityRepository>,
    /// Local accounts.
    pub users: Arc<dyn UserRepository>,
    /// The outbound side.
    pub provider: Arc<dyn UpstreamProvider>,
    /// Opens the sealed client secrets.
    pub secrets: Arc<dyn KeyCipher>,
    /// Single use of `state`.
    pub replay: Arc<dyn ReplayCache>,
    /// Randomness for state, nonce, verifier and account ids.
    pub random: Arc<dyn RandomSource>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Tessera's issuer (for the callback URLs).
    pub issuer: String,
    /// `upstream.jit`: create an account at the first sign-in.
    pub jit: bool,
}

/// The use case.
pub struct UpstreamSignIn {
    d: UpstreamSignInDeps,
}

/// A started sign-in: where to send the browser, and what to keep until it comes back.
#[derive(Debug)]
pub struct StartedUpstreamLogin {
    /// The upstream's authorization endpoint with the request.
    pub authorization_url: String,
    /// What the browser must keep.
    pub pending: PendingUpstreamLogin,
}

impl UpstreamSignIn {
    /// Builds the use case.
    pub fn new(d: UpstreamSignInDeps) -> Self {
        Self { d }
    }

    /// Whether just-in-time accounts are on.
    pub fn jit(&self) -> bool {
        self.d.jit
    }

    /// A local account by id.
    pub async fn user(&self, id: &UserId) -> Result<Option<User>, RepositoryError> {
        self.d.users.find(id).await
    }

    /// Every upstream, for the login page's links.
    pub async fn list(&self) -> Result<Vec<Upstream>, RepositoryError> {
        self.d.upstreams.list().await
    }

    /// The links of an account, with the upstream of each (a link whose upstream is gone is
    /// left out).
    pub async fn links_of(
        &self,
        user: &UserId,
    ) -> Result<Vec<(UpstreamIdentity, Upstream)>, RepositoryError> {
        let upstreams = self.d.upstreams.list().await?;
        Ok(self
            .d
            .links
            .list_for_user(user)
            .await?
            .into_iter()
            .filter_map(|l| {
                let up = upstreams.iter().find(|u| u.id == l.upstream)?.clone();
                Some((l, up))
            })
            .collect())
    }

    /// Starts a sign-in at upstream `id`: fresh `state`, `nonce` and PKCE verifier, and the
    /// authorization request URL (OIDC Core §3.1.2.1). `link_for` marks a sign-in started
    /// from the account page to link another way in.
    pub async fn start(
        &self,
        id: &str,
        link_for: Option<&UserId>,
    ) -> Result<StartedUpstreamLogin, UpstreamSignInError> {
        let upstream = self.upstream(id).await?;
        let authorization_endpoint = match upstream.kind {
            UpstreamKind::Oidc => self.metadata(&upstream).await?.authorization_endpoint,
            UpstreamKind::Github => format!("{}/login/oauth/authorize", upstream.issuer.base()),
        };
        let token = |n| crate::ports::random_token(self.d.random.as_ref(), n);
        let pending = PendingUpstreamLogin {
            upstream: upstream.id.as_str().to_owned(),
            state: token(32),
            nonce: token(32),
            code_verifier: token(32),
            expires_at: self.d.clock.now().as_secs() + UPSTREAM_LOGIN_TTL_SECS,
            link_for: link_for.map(|u| u.as_str().to_owned()),
        };
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(pending.code_verifier.as_bytes()));
        let scope = upstream.scope.to_string();
        let redirect_uri = callback_url(&self.d.issuer, &upstream.id);
        let mut query = vec![
            ("response_type", "code"),
            ("client_id", upstream.client_id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", scope.as_str()),
            ("state", pending.state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if upstream.kind == UpstreamKind::Oidc {
            query.push(("nonce", pending.nonce.as_str()));
        }
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        let sep = if authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(StartedUpstreamLogin {
            authorization_url: format!("{authorization_endpoint}{sep}{encoded}"),
            pending,
        })
    }

    /// Checks the callback against the pending sign-in and asks the upstream who the person
    /// is. Every refusal is audited with the upstream's id.
    pub async fn finish(
        &self,
        ctx: &RequestContext,
        id: &str,
        pending: Option<&PendingUpstreamLogin>,
        callback: UpstreamCallback,
    ) -> Result<VerifiedUpstreamPerson, UpstreamSignInError> {
        let result = self.verify(ctx, id, pending, callback).await;
        if let Err(e) = &result {
            self.audit(
                ctx,
                id,
                AuditOutcome::Failure,
                &format!("refused: {e}"),
                None,
            );
        }
        result
    }

    async fn verify(
        &self,
        ctx: &RequestContext,
        id: &str,
        pending: Option<&PendingUpstreamLogin>,
        callback: UpstreamCallback,
    ) -> Result<VerifiedUpstreamPerson, UpstreamSignInError> {
        let pending = pending
            .filter(|p| p.upstream == id && ctx.now.as_secs() < p.expires_at)
            .ok_or(UpstreamSignInError::NoPendingLogin)?;
        let state_ok = callback.state.as_deref().is_some_and(|s| {
            s.len() == pending.state.len()
                && bool::from(s.as_bytes().ct_eq(pending.state.as_bytes()))
        });
        if !state_ok {
            return Err(UpstreamSignInError::State);
        }
        let first = self
            .d
            .replay
            .first_use(
                ReplayKind::UpstreamState,
                id,
                &pending.state,
                UnixTime::from_secs(pending.expires_at),
                ctx.now,
            )
            .await?;
        if !first {
            return Err(UpstreamSignInError::Replayed);
        }
        let upstream = self.upstream(id).await?;
        let metadata = match upstream.kind {
            UpstreamKind::Oidc => Some(self.metadata(&upstream).await?),
            UpstreamKind::Github => None,
        };
        // RFC 9207 §2.4: compare `iss` when present; require it when the upstream promised it.
        let promised = metadata.as_ref().is_some_and(|m| m.iss_parameter_supported);
        match callback.iss.as_deref() {
            Some(iss) if iss != upstream.issuer.as_str() => return Err(UpstreamSignInError::MixUp),
            None if promised => return Err(UpstreamSignInError::MixUp),
            _ => {}
        }
        if let Some(error) = callback.error {
            let shown: String = error
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(64)
                .collect();
            return Err(UpstreamSignInError::Refused(shown));
        }
        let code = callback.code.ok_or(UpstreamSignInError::NoCode)?;
        let secret = self.secret(&upstream)?;
        let token_endpoint = match &metadata {
            Some(m) => m.token_endpoint.clone(),
            None => format!("{}/login/oauth/access_token", upstream.issuer.base()),
        };
        let tokens = self
            .d
            .provider
            .redeem_code(
                &token_endpoint,
                &upstream.client_id,
                &secret,
                &code,
                &callback_url(&self.d.issuer, &upstream.id),
                &pending.code_verifier,
            )
            .await
            .map_err(call_error)?;
        match (&upstream.kind, metadata) {
            (UpstreamKind::Oidc, Some(m)) => {
                self.person_from_id_token(ctx, &upstream, &m, tokens.id_token, &pending.nonce)
                    .await
            }
            _ => {
                self.person_from_github(&upstream, &tokens.access_token)
                    .await
            }
        }
    }

    async fn person_from_id_token(
        &self,
        ctx: &RequestContext,
        upstream: &Upstream,
        metadata: &crate::ports::UpstreamMetadata,
        id_token: Option<String>,
        nonce: &str,
    ) -> Result<VerifiedUpstreamPerson, UpstreamSignInError> {
        let id_token = id_token
            .ok_or_else(|| UpstreamSignInError::Invalid("no id_token in the answer".into()))?;
        let jwks_uri = metadata
            .jwks_uri
            .as_deref()
            .ok_or_else(|| UpstreamSignInError::Invalid("no jwks_uri".into()))?;
        let claims = self
            .d
            .provider
            .verify_id_token(jwks_uri, &id_token)
            .await
            .map_err(call_error)?;
        let expected = ExpectedIdToken {
            issuer: upstream.issuer.as_str(),
            client_id: &upstream.client_id,
            nonce,
            now: ctx.now,
        };
        let subject = check_id_token_claims(&claims, expected)
            .map_err(|e| UpstreamSignInError::Invalid(e.to_string()))?;
        let (email, email_verified) = match email_from_claims(&claims, upstream.claims.email()) {
            Some((e, v)) => (Some(e), v),
            None => (None, false),
        };
        let name = claims
            .get(upstream.claims.name())
            .and_then(|v| v.as_str())
            .filter(|n| tessera_domain::is_valid_display_name(n))
            .map(str::to_owned);
        Ok(VerifiedUpstreamPerson {
            upstream: upstream.id.clone(),
            upstream_name: upstream.name.clone(),
            subject,
            email,
            email_verified,
            name,
        })
    }

    async fn person_from_github(
        &self,
        upstream: &Upstream,
        access_token: &SecretString,
    ) -> Result<VerifiedUpstreamPerson, UpstreamSignInError> {
        let api = upstream
            .api_base
            .as_ref()
            .ok_or_else(|| UpstreamSignInError::Invalid("no API base".into()))?;
        let profile = self
            .d
            .provider
            .github_profile(api.base(), access_token)
            .await
            .map_err(call_error)?;
        let subject = UpstreamSubject::parse(&profile.id)
            .map_err(|e| UpstreamSignInError::Invalid(e.to_string()))?;
        let name = profile
            .name
            .filter(|n| tessera_domain::is_valid_display_name(n))
            .or(Some(profile.login).filter(|n| tessera_domain::is_valid_display_name(n)));
        Ok(VerifiedUpstreamPerson {
            upstream: upstream.id.clone(),
            upstream_name: upstream.name.clone(),
            subject,
            email_verified: profile.verified_email.is_some(),
            email: profile.verified_email,
            name,
        })
    }

    /// Decides what a verified person becomes: a sign-in of the linked account, a link to the
    /// signed-in account (`link_for`, from the account page), a just-in-time account, or a
    /// page. A just-in-time account and its link are made in one transaction.
    pub async fn resolve(
        &self,
        ctx: &RequestContext,
        person: &VerifiedUpstreamPerson,
        link_for: Option<&UserId>,
    ) -> Result<UpstreamAccount, UpstreamSignInError> {
        let id = person.upstream.as_str();
        if let Some(link) = self.d.links.find(&person.upstream, &person.subject).await? {
            let user = self
                .d
                .users
                .find(&link.user)
                .await?
                .ok_or(UpstreamSignInError::Disabled)?;
            if let Some(target) = link_for {
                if *target != user.id {
                    self.audit(
                        ctx,
                        id,
                        AuditOutcome::Failure,
                        "link refused: linked to another account",
                        Some(target),
                    );
                    return Err(UpstreamSignInError::LinkRefused);
                }
                return Ok(UpstreamAccount::Linked(user));
            }
            if user.disabled {
                self.audit(
                    ctx,
                    id,
                    AuditOutcome::Failure,
                    "refused: account disabled",
                    Some(&user.id),
                );
                return Err(UpstreamSignInError::Disabled);
            }
            self.audit(ctx, id, AuditOutcome::Success, "signed in", Some(&user.id));
            return Ok(UpstreamAccount::SignIn(user));
        }
        if let Some(target) = link_for {
            let user = self
                .d
                .users
                .find(target)
                .await?
                .ok_or(UpstreamSignInError::LinkRefused)?;
            self.link(ctx, person, &user).await?;
            return Ok(UpstreamAccount::Linked(user));
        }
        let Some(email) = person.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
            return Ok(UpstreamAccount::NoEmail);
        };
        if let Some(existing) = self.d.users.find_by_email(&email).await? {
            return Ok(UpstreamAccount::ProveExisting(existing));
        }
        if !self.d.jit {
            self.audit(
                ctx,
                id,
                AuditOutcome::Failure,
                "refused: no linked account",
                None,
            );
            return Ok(UpstreamAccount::NoAccount);
        }
        let mut bytes = [0u8; 16];
        self.d.random.fill(&mut bytes);
        let user = User {
            id: UserId::from_random(bytes),
            email,
            email_verified: person.email_verified,
            name: person.name.clone(),
            // No password: only the upstream signs this account in until one is set.
            password_hash: String::new(),
            created_at: ctx.now,
            disabled: false,
            login_attempts: LoginAttempts::default(),
        };
        let identity = self.identity(person, &user.id, ctx.now);
        match self.d.links.create_linked_user(&user, &identity).await {
            Ok(()) => {}
            // Raced by another first sign-in of the same person or address: nothing was made.
            Err(RepositoryError::Conflict) => return Err(UpstreamSignInError::LinkRefused),
            Err(e) => return Err(e.into()),
        }
        self.audit(
            ctx,
            id,
            AuditOutcome::Success,
            "account created and linked",
            Some(&user.id),
        );
        Ok(UpstreamAccount::SignIn(user))
    }

    /// Links `person` to `user`, whose owner proved the account (its password) or is signed
    /// in and asked for it.
    pub async fn link(
        &self,
        ctx: &RequestContext,
        person: &VerifiedUpstreamPerson,
        user: &User,
    ) -> Result<(), UpstreamSignInError> {
        let identity = self.identity(person, &user.id, ctx.now);
        match self.d.links.link(&identity).await {
            Ok(()) => {}
            Err(RepositoryError::Conflict) => return Err(UpstreamSignInError::LinkRefused),
            Err(e) => return Err(e.into()),
        }
        let mut e = ctx
            .audit(AuditAction::UpstreamLinked, AuditOutcome::Success)
            .subject(user.id.as_str())
            .detail(format!("upstream {}", person.upstream));
        e = e.actor(user.id.as_str());
        self.d.audit.record(e);
        Ok(())
    }

    /// Removes the link of `user` to `upstream`, unless it is the last way in (no password
    /// and no other link). False when there was no such link.
    pub async fn unlink(
        &self,
        ctx: &RequestContext,
        user: &User,
        upstream: &str,
    ) -> Result<bool, UpstreamSignInError> {
        let id = UpstreamId::parse(upstream).map_err(|_| UpstreamSignInError::UnknownUpstream)?;
        let links = self.d.links.list_for_user(&user.id).await?;
        if !links.iter().any(|l| l.upstream == id) {
            return Ok(false);
        }
        if user.password_hash.is_empty() && links.len() < 2 {
            return Err(UpstreamSignInError::LinkRefused);
        }
        let removed = self.d.links.unlink(&user.id, &id).await?;
        if removed {
            self.d.audit.record(
                ctx.audit(AuditAction::UpstreamUnlinked, AuditOutcome::Success)
                    .actor(user.id.as_str())
                    .subject(user.id.as_str())
                    .detail(format!("upstream {id}")),
            );
        }
        Ok(removed)
    }

    fn identity(
        &self,
        person: &VerifiedUpstreamPerson,
        user: &UserId,
        now: UnixTime,
    ) -> UpstreamIdentity {
        UpstreamIdentity {
            upstream: person.upstream.clone(),
            subject: person.subject.clone(),
            user: user.clone(),
            email: person.email.clone(),
            created_at: now,
        }
    }

    async fn upstream(&self, id: &str) -> Result<Upstream, UpstreamSignInError> {
        let parsed = UpstreamId::parse(id).map_err(|_| UpstreamSignInError::UnknownUpstream)?;
        self.d
            .upstreams
            .find(&parsed)
            .await?
            .ok_or(UpstreamSignInError::UnknownUpstream)
    }

    /// The upstream's discovery document, whose `issuer` must be the registered one exactly
    /// (OIDC Discovery §4.3: otherwise another provider could pose as it).
    async fn metadata(
        &self,
        upstream: &Upstream,
    ) -> Result<crate::ports::UpstreamMetadata, UpstreamSignInError> {
        let m = self
            .d
            .provider
            .metadata(upstream)
            .await
            .map_err(call_error)?;
        if m.issuer != upstream.issuer.as_str() {
            return Err(UpstreamSignInError::Invalid(
                "the discovery document names another issuer".into(),
            ));
        }
        Ok(m)
    }

    fn secret(&self, upstream: &Upstream) -> Result<SecretString, UpstreamSignInError> {
        let opened = self
            .d
            .secrets
            .decrypt(&upstream.sealed_secret, upstream.id.as_str().as_bytes())
            .map_err(|e| {
                log::error!(
                    "the client secret of upstream {} does not open: {e}",
                    upstream.id
                );
                UpstreamSignInError::Secret
            })?;
        let text = String::from_utf8(opened.expose_secret().clone())
            .map_err(|_| UpstreamSignInError::Secret)?;
        Ok(SecretString::from(text))
    }

    fn audit(
        &self,
        ctx: &RequestContext,
        upstream: &str,
        outcome: AuditOutcome,
        what: &str,
        user: Option<&UserId>,
    ) {
        let mut e = ctx
            .audit(AuditAction::UpstreamSignIn, outcome)
            .detail(format!("upstream {upstream}: {what}"));
        if let Some(u) = user {
            e = e.subject(u.as_str());
        }
        self.d.audit.record(e);
    }
}

/// An outbound failure as a sign-in failure: down is `Unavailable`, the rest `Invalid`.
fn call_error(e: UpstreamCallError) -> UpstreamSignInError {
    match e {
        UpstreamCallError::Unreachable(_) => UpstreamSignInError::Unavailable(e),
        other => UpstreamSignInError::Invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
