//! RFC 7591 dynamic client registration and RFC 7592 management: a client registers itself,
//! then reads, replaces or deletes its registration with the `registration_access_token` it
//! got. Every field is checked as strictly as an operator's registration, and more (see
//! [`tessera_domain::client_registration`]); such clients never skip consent.
//!
//! The registration access token is 256 random bits, stored only as its SHA-256 digest, and
//! rotated on every read and update (RFC 7592 §3 allows it; the answer must carry a token and
//! the old one is not kept): the client uses the newest one. A wrong token, a client that is
//! not self-registered and an unknown client all fail the same way (`invalid_token`), so the
//! endpoint does not reveal which client ids exist.

use crate::ports::{
    random_token, AuditLog, ClientRepository, Clock, RandomSource, ResourceRepository,
};
use crate::services::fault_code::repository_fault_code;
use crate::{OAuthErrorCode, RepositoryError, RequestContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditOutcome, Client, ClientId, ClientMetadata, ClientOrigin, GrantType,
    RegistrationRuleError, ScopeSet, TokenDigest, UnixTime,
};

/// The scopes of the authorization server itself that any client may register.
pub const OIDC_REGISTRABLE_SCOPES: &str = "openid profile email offline_access";

/// The actor named in the audit events of self-registration.
const AUDIT_ACTOR: &str = "registration";

/// The client metadata of a registration or update request (RFC 7591 §2), as sent: every
/// field is parsed and checked by the service.
#[derive(Debug, Clone, Default)]
pub struct ClientMetadataRequest {
    /// `redirect_uris`.
    pub redirect_uris: Vec<String>,
    /// `post_logout_redirect_uris` (OIDC RP-Initiated Logout).
    pub post_logout_redirect_uris: Vec<String>,
    /// `token_endpoint_auth_method`; default `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// `grant_types`; default `authorization_code`.
    pub grant_types: Option<Vec<String>>,
    /// `response_types`; default `code` when `authorization_code` is asked for, else none.
    pub response_types: Option<Vec<String>>,
    /// `application_type` (OIDC Registration); see [`DynamicRegistration::register`].
    pub application_type: Option<String>,
    /// `client_name`; default the generated client id.
    pub client_name: Option<String>,
    /// `scope`, space-separated; default every registrable scope.
    pub scope: Option<String>,
    /// The informational fields.
    pub metadata: ClientMetadata,
    /// `client_id`, required on an update and equal to the one in the path.
    pub client_id: Option<String>,
    /// `client_secret`, on an update: if sent, it must be the client's.
    pub client_secret: Option<SecretString>,
}

/// A client as registered, with the credentials shown in this answer only.
#[derive(Debug)]
pub struct ClientInformation {
    /// The stored client.
    pub client: Client,
    /// The client secret, at registration of a confidential client only.
    pub client_secret: Option<SecretString>,
    /// The current registration access token (new at each answer).
    pub registration_access_token: SecretString,
    /// The response types the client registered (derived from its grants).
    pub response_types: Vec<&'static str>,
}

/// Why a registration request was refused.
#[derive(Debug, thiserror::Error)]
pub enum DynamicRegistrationError {
    /// A redirect URI is not acceptable (`invalid_redirect_uri`).
    #[error("{0}")]
    RedirectUri(String),
    /// A metadata field is not acceptable (`invalid_client_metadata`).
    #[error("{0}")]
    Metadata(String),
    /// The registration access token (or initial access token) is missing, wrong, or the
    /// client unknown: one answer for all (`invalid_token`).
    #[error("the access token is missing, invalid or not for this client")]
    InvalidToken,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<RegistrationRuleError> for DynamicRegistrationError {
    fn from(e: RegistrationRuleError) -> Self {
        if e.is_redirect_uri() {
            Self::RedirectUri(e.to_string())
        } else {
            Self::Metadata(e.to_string())
        }
    }
}

impl DynamicRegistrationError {
    /// The RFC 7591 §3.2.2 / RFC 6750 code of the refusal.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::RedirectUri(_) => OAuthErrorCode::InvalidRedirectUri,
            Self::Metadata(_) => OAuthErrorCode::InvalidClientMetadata,
            Self::InvalidToken => OAuthErrorCode::InvalidToken,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// The ports the service works with.
pub struct DynamicRegistrationDeps {
    /// Where clients live.
    pub clients: Arc<dyn ClientRepository>,
    /// Registered resources, whose scopes clients may register.
    pub resources: Arc<dyn ResourceRepository>,
    /// Where registrations are audited.
    pub audit: Arc<dyn AuditLog>,
    /// Time of registration.
    pub clock: Arc<dyn Clock>,
    /// Ids, secrets and tokens.
    pub rng: Arc<dyn RandomSource>,
}

/// RFC 7591 registration and RFC 7592 management.
pub struct DynamicRegistration {
    deps: DynamicRegistrationDeps,
    initial_access_token: Option<TokenDigest>,
}

mod parse;

impl DynamicRegistration {
    /// Open registration.
    pub fn new(deps: DynamicRegistrationDeps) -> Self {
        Self {
            deps,
            initial_access_token: None,
        }
    }

    /// Registration only with this initial access token (RFC 7591 §3), kept as its digest.
    pub fn with_initial_access_token(mut self, token: Option<&SecretString>) -> Self {
        self.initial_access_token = token.map(|t| TokenDigest::of(t.expose_secret()));
        self
    }

    /// Registers a client. `bearer` is the initial access token presented, if any; it is
    /// required when one is configured. Without `application_type`, a client whose redirect
    /// URIs are all loopback `http` or private-use schemes is `native` (MCP and CLI clients
    /// rarely send it), any other `web` (the OIDC default).
    pub async fn register(
        &self,
        ctx: &RequestContext,
        bearer: Option<&str>,
        req: ClientMetadataRequest,
    ) -> Result<ClientInformation, DynamicRegistrationError> {
        if let Some(expected) = &self.initial_access_token {
            if !bearer.is_some_and(|b| expected.matches(b)) {
                return Err(DynamicRegistrationError::InvalidToken);
            }
        }
        let rng = self.deps.rng.as_ref();
        let id = ClientId::parse(&random_token(rng, 16))
            .map_err(|e| RepositoryError::other(format!("generated client id refused: {e}")))?;
        let known = self.registrable_scopes().await?;
        let mut client = parse::client(id, &req, &known, ctx.now)?;
        let secret = (!client.is_public()).then(|| random_token(rng, 32));
        let token = random_token(rng, 32);
        client.secret_digest = secret.as_deref().map(TokenDigest::of);
        client.registration_access_digest = Some(TokenDigest::of(&token));
        client
            .validate()
            .map_err(|e| DynamicRegistrationError::Metadata(e.to_string()))?;
        self.deps.clients.insert(&client).await?;
        self.audit(ctx, AuditAction::ClientRegistered, &client.id);
        Ok(information(
            client,
            secret.map(SecretString::from),
            SecretString::from(token),
        ))
    }

    /// RFC 7592 §2.1: the registration as it stands, with a new registration access token.
    pub async fn read(
        &self,
        client_id: &str,
        bearer: Option<&str>,
    ) -> Result<ClientInformation, DynamicRegistrationError> {
        let client = self.authorize(client_id, bearer).await?;
        let token = self.rotate(&client, bearer).await?;
        Ok(information(client, None, token))
    }

    /// RFC 7592 §2.2: replaces the registration with `req` (omitted fields take their
    /// defaults). `client_id` must be the client's; a `client_secret` sent must be its
    /// secret; a public client stays public and a confidential one confidential.
    pub async fn update(
        &self,
        ctx: &RequestContext,
        client_id: &str,
        bearer: Option<&str>,
        req: ClientMetadataRequest,
    ) -> Result<ClientInformation, DynamicRegistrationError> {
        let stored = self.authorize(client_id, bearer).await?;
        if req.client_id.as_deref() != Some(stored.id.as_str()) {
            return Err(DynamicRegistrationError::Metadata(
                "client_id must be sent and equal the registered client's".into(),
            ));
        }
        if let Some(secret) = &req.client_secret {
            if !stored.secret_matches(secret.expose_secret()) {
                return Err(DynamicRegistrationError::Metadata(
                    "client_secret does not match the registered client's".into(),
                ));
            }
        }
        let known = self.registrable_scopes().await?;
        let mut client = parse::client(stored.id.clone(), &req, &known, stored.created_at)?;
        if client.is_public() != stored.is_public() {
            return Err(DynamicRegistrationError::Metadata(
                "token_endpoint_auth_method cannot change between none and a secret".into(),
            ));
        }
        client.secret_digest = stored.secret_digest.clone();
        client.registration_access_digest = stored.registration_access_digest.clone();
        client
            .validate()
            .map_err(|e| DynamicRegistrationError::Metadata(e.to_string()))?;
        let token = self.rotate(&stored, bearer).await?;
        if !self.deps.clients.update(&client).await? {
            return Err(DynamicRegistrationError::InvalidToken);
        }
        self.audit(ctx, AuditAction::ClientUpdated, &client.id);
        Ok(information(client, None, token))
    }

    /// RFC 7592 §2.3: deletes the client and what hangs off it (codes, refresh tokens,
    /// consents), as the admin delete does.
    pub async fn delete(
        &self,
        ctx: &RequestContext,
        client_id: &str,
        bearer: Option<&str>,
    ) -> Result<(), DynamicRegistrationError> {
        let client = self.authorize(client_id, bearer).await?;
        if !self.deps.clients.delete(&client.id).await? {
            return Err(DynamicRegistrationError::InvalidToken);
        }
        self.audit(ctx, AuditAction::ClientDeleted, &client.id);
        Ok(())
    }

    /// The self-registered client `client_id` whose registration access token is `bearer`;
    /// every other case is the same [`DynamicRegistrationError::InvalidToken`].
    async fn authorize(
        &self,
        client_id: &str,
        bearer: Option<&str>,
    ) -> Result<Client, DynamicRegistrationError> {
        let (Some(bearer), Ok(id)) = (bearer, ClientId::parse(client_id)) else {
            return Err(DynamicRegistrationError::InvalidToken);
        };
        let client = self.deps.clients.find(&id).await?;
        let presented = TokenDigest::of(bearer);
        match client {
            Some(c)
                if c.origin == ClientOrigin::Dynamic
                    && c.registration_access_digest.as_ref() == Some(&presented) =>
            {
                Ok(c)
            }
            _ => Err(DynamicRegistrationError::InvalidToken),
        }
    }

    /// Replaces the token `bearer` (already checked) with a new one; a request racing with
    /// the same token loses.
    async fn rotate(
        &self,
        client: &Client,
        bearer: Option<&str>,
    ) -> Result<SecretString, DynamicRegistrationError> {
        let current = TokenDigest::of(bearer.unwrap_or_default());
        let token = random_token(self.deps.rng.as_ref(), 32);
        let replaced = self
            .deps
            .clients
            .replace_registration_access(&client.id, &current, &TokenDigest::of(&token))
            .await?;
        if !replaced {
            return Err(DynamicRegistrationError::InvalidToken);
        }
        Ok(SecretString::from(token))
    }

    /// OIDC's own scopes and every registered resource's.
    async fn registrable_scopes(&self) -> Result<ScopeSet, RepositoryError> {
        let mut known = ScopeSet::parse(OIDC_REGISTRABLE_SCOPES)
            .map_err(|e| RepositoryError::other(format!("built-in scopes refused: {e}")))?;
        for resource in self.deps.resources.list().await? {
            known = known.union(&resource.scope);
        }
        Ok(known)
    }

    fn audit(&self, ctx: &RequestContext, action: AuditAction, id: &ClientId) {
        self.deps.audit.record(
            ctx.audit(action, AuditOutcome::Success)
                .actor(AUDIT_ACTOR)
                .client(id.as_str()),
        );
    }
}

/// Records the first code or token a self-registered client gets (for the clean-up of
/// clients never used); operator clients are not tracked, so their requests write nothing.
/// A failure is logged, never fails the request: the worst case is a late clean-up.
pub async fn record_first_use(clients: &dyn ClientRepository, client: &Client, now: UnixTime) {
    if !client.origin.is_self_registered() {
        return;
    }
    if let Err(e) = clients.mark_used(&client.id, now).await {
        log::warn!(
            "could not record the first use of client {}: {e}",
            client.id
        );
    }
}

fn information(
    client: Client,
    client_secret: Option<SecretString>,
    token: SecretString,
) -> ClientInformation {
    let response_types = if client.grant_types.contains(&GrantType::AuthorizationCode) {
        vec!["code"]
    } else {
        Vec::new()
    };
    ClientInformation {
        client,
        client_secret,
        registration_access_token: token,
        response_types,
    }
}

#[cfg(test)]
mod tests;
