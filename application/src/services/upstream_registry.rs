//! The registry of upstream identity providers people can sign in through. The CLI and the
//! admin API both go through here, so both validate alike and both leave an audit trail. The
//! client secret is sealed (AES-256-GCM under a key of its own, the upstream id as associated
//! data) before it reaches the repository, and never comes back out of this service.

use crate::ports::{AuditLog, Clock, KeyCipher, RandomSource, UpstreamRepository};
use crate::services::admin::Actor;
use crate::services::fault_code::repository_fault_code;
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    is_valid_upstream_client_id, is_valid_upstream_name, AuditAction, AuditEvent, AuditOutcome,
    ClaimMapping, ScopeSet, Upstream, UpstreamError, UpstreamId, UpstreamIssuer, UpstreamKind,
};

/// GitHub's web base, where its authorization and token endpoints live.
pub const GITHUB_WEB_BASE: &str = "https://github.com";
/// GitHub's REST API base (`/user`, `/user/emails`).
pub const GITHUB_API_BASE: &str = "https://api.github.com";
/// The path of an upstream's callback under Tessera's issuer; `{id}` is the upstream id.
pub const UPSTREAM_CALLBACK_PATH: &str = "/upstream/{id}/callback";

/// What an operator asks to register.
#[derive(Debug, Default)]
pub struct NewUpstream {
    /// A chosen id (a lowercase UUID), so the redirect URI can be registered at the upstream
    /// before this registration; a random one when absent.
    pub id: Option<String>,
    /// Shown as "Sign in with {name}".
    pub name: String,
    /// `oidc` (default) or `github`.
    pub kind: Option<String>,
    /// The issuer (required for `oidc`; GitHub's web base by default for `github`).
    pub issuer: Option<String>,
    /// GitHub's API base (default `https://api.github.com`); refused for `oidc`.
    pub api_base: Option<String>,
    /// Our client id at the upstream.
    pub client_id: String,
    /// Our client secret at the upstream.
    pub client_secret: SecretString,
    /// Space-separated scopes; `openid email profile` (OIDC) or `read:user user:email`
    /// (GitHub) by default; `openid` is always added for OIDC.
    pub scope: Option<String>,
    /// The claim holding the email (default `email`).
    pub email_claim: Option<String>,
    /// The claim holding the name (default `name`).
    pub name_claim: Option<String>,
}

/// Why a registry operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamRegistryError {
    /// A field is not acceptable; `field` names it as the API does.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// Why, fit to show.
        message: String,
    },
    /// No upstream has this id.
    #[error("no upstream with id {0:?}")]
    NotFound(String),
    /// The secret could not be sealed.
    #[error("the client secret could not be encrypted: {0}")]
    Crypto(#[source] crate::errors::CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Repository(RepositoryError),
}

impl UpstreamRegistryError {
    fn invalid(field: &'static str, message: impl ToString) -> Self {
        Self::Invalid {
            field,
            message: message.to_string(),
        }
    }

    /// The protocol error code this refusal is answered with.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::Invalid { .. } => OAuthErrorCode::InvalidRequest,
            Self::NotFound(_) => OAuthErrorCode::NotFound,
            Self::Crypto(_) => OAuthErrorCode::ServerError,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Registers, lists and removes upstream identity providers.
pub struct UpstreamRegistry {
    upstreams: Arc<dyn UpstreamRepository>,
    cipher: Arc<dyn KeyCipher>,
    random: Arc<dyn RandomSource>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
    issuer: String,
}

impl UpstreamRegistry {
    /// Builds the service; `issuer` is Tessera's own, for the callback URLs.
    pub fn new(
        upstreams: Arc<dyn UpstreamRepository>,
        cipher: Arc<dyn KeyCipher>,
        random: Arc<dyn RandomSource>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
        issuer: String,
    ) -> Self {
        Self {
            upstreams,
            cipher,
            random,
            clock,
            audit,
            issuer,
        }
    }

    /// The callback URL to register at the upstream as our redirect URI.
    pub fn redirect_uri(&self, upstream: &Upstream) -> String {
        callback_url(&self.issuer, &upstream.id)
    }

    /// Registers an upstream after checking every field.
    pub async fn create(
        &self,
        actor: &Actor,
        req: NewUpstream,
    ) -> Result<Upstream, UpstreamRegistryError> {
        let upstream = self.build(req)?;
        match self.upstreams.insert(&upstream).await {
            Ok(()) => {}
            Err(RepositoryError::Conflict) => {
                return Err(UpstreamRegistryError::invalid("id", "is taken"))
            }
            Err(e) => return Err(UpstreamRegistryError::Repository(e)),
        }
        self.audit(
            actor,
            AuditAction::UpstreamCreated,
            "upstreams.create",
            &upstream.id,
        );
        Ok(upstream)
    }

    fn build(&self, req: NewUpstream) -> Result<Upstream, UpstreamRegistryError> {
        let kind = UpstreamKind::parse(req.kind.as_deref().unwrap_or("oidc"))
            .map_err(|e| UpstreamRegistryError::invalid("kind", e))?;
        if !is_valid_upstream_name(&req.name) {
            return Err(UpstreamRegistryError::invalid("name", UpstreamError::Name));
        }
        if !is_valid_upstream_client_id(&req.client_id) {
            return Err(UpstreamRegistryError::invalid(
                "client_id",
                UpstreamError::ClientId,
            ));
        }
        let secret = req.client_secret.expose_secret();
        if secret.is_empty() || secret.len() > 1024 {
            return Err(UpstreamRegistryError::invalid(
                "client_secret",
                "must be 1 to 1024 bytes",
            ));
        }
        let url = |field: &'static str, v: &str| {
            UpstreamIssuer::parse(v).map_err(|e| UpstreamRegistryError::invalid(field, e))
        };
        let (issuer, api_base, default_scope) = match kind {
            UpstreamKind::Oidc => {
                if req.api_base.is_some() {
                    return Err(UpstreamRegistryError::invalid(
                        "api_base",
                        "only for kind github",
                    ));
                }
                let issuer = req
                    .issuer
                    .as_deref()
                    .ok_or_else(|| UpstreamRegistryError::invalid("issuer", "is required"))?;
                (url("issuer", issuer)?, None, "openid email profile")
            }
            UpstreamKind::Github => (
                url("issuer", req.issuer.as_deref().unwrap_or(GITHUB_WEB_BASE))?,
                Some(url(
                    "api_base",
                    req.api_base.as_deref().unwrap_or(GITHUB_API_BASE),
                )?),
                "read:user user:email",
            ),
        };
        let mut scope_text = req.scope.unwrap_or_else(|| default_scope.to_owned());
        if kind == UpstreamKind::Oidc && !scope_text.split(' ').any(|s| s == "openid") {
            scope_text = format!("openid {scope_text}");
        }
        let scope = ScopeSet::parse(scope_text.trim())
            .map_err(|e| UpstreamRegistryError::invalid("scope", e))?;
        let claims = ClaimMapping::new(
            req.email_claim.as_deref().unwrap_or("email"),
            req.name_claim.as_deref().unwrap_or("name"),
        )
        .map_err(|e| UpstreamRegistryError::invalid("claims", e))?;
        let id = match req.id.as_deref() {
            Some(chosen) => {
                UpstreamId::parse(chosen).map_err(|e| UpstreamRegistryError::invalid("id", e))?
            }
            None => {
                let mut bytes = [0u8; 16];
                self.random.fill(&mut bytes);
                UpstreamId::from_random(bytes)
            }
        };
        let sealed_secret = self
            .cipher
            .encrypt(secret.as_bytes(), id.as_str().as_bytes())
            .map_err(UpstreamRegistryError::Crypto)?;
        Ok(Upstream {
            id,
            name: req.name,
            kind,
            issuer,
            api_base,
            client_id: req.client_id,
            sealed_secret,
            scope,
            claims,
            created_at: self.clock.now(),
        })
    }

    /// Every upstream, oldest first.
    pub async fn list(&self) -> Result<Vec<Upstream>, UpstreamRegistryError> {
        self.upstreams
            .list()
            .await
            .map_err(UpstreamRegistryError::Repository)
    }

    /// Removes an upstream and every account link to it. A value that is not even an id
    /// names no upstream, so it is `NotFound` too.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), UpstreamRegistryError> {
        let not_found = || UpstreamRegistryError::NotFound(id.to_owned());
        let parsed = UpstreamId::parse(id).map_err(|_| not_found())?;
        let deleted = self
            .upstreams
            .delete(&parsed)
            .await
            .map_err(UpstreamRegistryError::Repository)?;
        if !deleted {
            return Err(not_found());
        }
        self.audit(
            actor,
            AuditAction::UpstreamDeleted,
            "upstreams.delete",
            &parsed,
        );
        Ok(())
    }

    fn audit(&self, actor: &Actor, action: AuditAction, detail: &str, id: &UpstreamId) {
        let mut e = AuditEvent::new(self.clock.now(), action, AuditOutcome::Success)
            .actor(actor.id.clone())
            .subject(id.as_str())
            .detail(detail);
        if let Some(ip) = &actor.ip {
            e = e.ip(ip.clone());
        }
        self.audit.record(e);
    }
}

/// `{issuer}/upstream/{id}/callback`.
pub fn callback_url(issuer: &str, id: &UpstreamId) -> String {
    format!(
        "{}{}",
        issuer.trim_end_matches('/'),
        UPSTREAM_CALLBACK_PATH.replace("{id}", id.as_str())
    )
}

#[cfg(test)]
mod tests;
