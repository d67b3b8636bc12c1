//! Client administration: list, get, create (through [`ClientRegistry`], the one registration
//! path), update, secret rotation and deletion.

use super::{event, record, Actor};
use crate::ports::{random_token, AuditLog, ClientRepository, Clock, KeyCipher, RandomSource};
use crate::services::fault_code::repository_fault_code;
use crate::services::{
    parse_exchange_audiences, seal_secret, ClientRegistry, NewClient, RegisterClientError,
    RegisteredClient,
};
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    AuditAction, Client, ClientId, ClientRuleError, ClientSecurityError, GrantType, RedirectUri,
    ScopeSet, TokenDigest, TokenEndpointAuthMethod,
};

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New redirect URIs (replacing all).
    pub redirect_uris: Option<Vec<String>>,
    /// New post-logout redirect URIs (replacing all).
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// New grant names (replacing all).
    pub grants: Option<Vec<String>>,
    /// New space-separated scope.
    pub scope: Option<String>,
    /// Whether the client is trusted (no consent page).
    pub skip_consent: Option<bool>,
    /// Whether the client's sign-ins need a second factor.
    pub require_mfa: Option<bool>,
    /// New token-exchange audiences (replacing all).
    pub exchange_audiences: Option<Vec<String>>,
}

/// Why a client operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminClientError {
    /// No client has this id.
    #[error("no such client")]
    NotFound,
    /// Public clients authenticate with PKCE, not a secret.
    #[error("a public client has no secret to rotate")]
    PublicClient,
    /// `private_key_jwt` clients authenticate with their keys, not a secret.
    #[error("a private_key_jwt client has no secret to rotate; change its keys instead")]
    KeyClient,
    /// A field is not acceptable; `field` names it as the API does.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// Why, fit to show.
        message: String,
        /// The parser's or rule's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AdminClientError {
    /// `field` refused because of `source`, whose text is the message.
    fn invalid(
        field: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Invalid {
            field,
            message: source.to_string(),
            source: Box::new(source),
        }
    }

    /// The protocol error code this refusal is answered with.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::NotFound => OAuthErrorCode::NotFound,
            Self::PublicClient | Self::KeyClient | Self::Invalid { .. } => {
                OAuthErrorCode::InvalidRequest
            }
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

impl From<RegisterClientError> for AdminClientError {
    fn from(e: RegisterClientError) -> Self {
        match e {
            RegisterClientError::RedirectUri { .. } => Self::invalid("redirect_uris", e),
            RegisterClientError::GrantType(_) => Self::invalid("grant_types", e),
            RegisterClientError::Scope(_) => Self::invalid("scope", e),
            RegisterClientError::AuthMethod(_) => Self::invalid("token_endpoint_auth_method", e),
            RegisterClientError::ExchangeAudience { .. } => Self::invalid("exchange_audiences", e),
            RegisterClientError::JwksAndUri => Self::invalid("jwks", e),
            RegisterClientError::Profile(_) => Self::invalid("profile", e),
            RegisterClientError::Rule(r) => rule_error(r),
            RegisterClientError::Repository(r) => Self::Repository(r),
        }
    }
}

/// Names the field a cross-field rule is about.
fn rule_error(r: ClientRuleError) -> AdminClientError {
    let field = match r {
        ClientRuleError::Name => "name",
        ClientRuleError::MissingRedirectUri => "redirect_uris",
        ClientRuleError::AuthMethodMismatch | ClientRuleError::ProfileAuthMethod => {
            "token_endpoint_auth_method"
        }
        ClientRuleError::Security(ClientSecurityError::Jwks) => "jwks",
        ClientRuleError::Security(ClientSecurityError::Url(field)) => field,
        ClientRuleError::Security(_) => "token_endpoint_auth_method",
        ClientRuleError::Scope(_) => "scope",
        ClientRuleError::GrantNotAllowed(_)
        | ClientRuleError::PublicClientCredentials
        | ClientRuleError::NoGrant => "grant_types",
    };
    AdminClientError::invalid(field, r)
}

/// Client administration for the admin API and the CLI.
pub struct AdminClients {
    registry: ClientRegistry,
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    audit: Arc<dyn AuditLog>,
    sealer: Option<Arc<dyn KeyCipher>>,
}

impl AdminClients {
    /// Builds the service (and the [`ClientRegistry`] it creates clients with).
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            registry: ClientRegistry::new(clients.clone(), clock.clone(), rng.clone()),
            clients,
            clock,
            rng,
            audit,
            sealer: None,
        }
    }

    /// The same service sealing the secrets of `client_secret_jwt` clients with `cipher`, at
    /// creation and at rotation (see [`ClientRegistry::with_secret_sealer`]).
    pub fn with_secret_sealer(self, cipher: Arc<dyn KeyCipher>) -> Self {
        Self {
            registry: self.registry.with_secret_sealer(cipher.clone()),
            sealer: Some(cipher),
            ..self
        }
    }

    /// Every client, oldest first.
    pub async fn list(&self) -> Result<Vec<Client>, AdminClientError> {
        Ok(self.registry.list().await?)
    }

    /// One client.
    pub async fn get(&self, id: &str) -> Result<Client, AdminClientError> {
        let Ok(id) = ClientId::parse(id) else {
            return Err(AdminClientError::NotFound);
        };
        self.clients
            .find(&id)
            .await?
            .ok_or(AdminClientError::NotFound)
    }

    /// Registers a client; the secret in the answer is shown once and never stored.
    pub async fn create(
        &self,
        actor: &Actor,
        req: NewClient,
    ) -> Result<RegisteredClient, AdminClientError> {
        let registered = self.registry.register(req).await?;
        let c = &registered.client;
        self.audit(actor, "clients.create", c.id.as_str());
        Ok(registered)
    }

    /// Changes a client's settings under the same domain rules as registration.
    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        update: ClientUpdate,
    ) -> Result<Client, AdminClientError> {
        let mut client = self.get(id).await?;
        if let Some(name) = update.name {
            client.name = name;
        }
        if let Some(uris) = update.redirect_uris {
            client.redirect_uris = parse_uris("redirect_uris", &uris)?;
        }
        if let Some(uris) = update.post_logout_redirect_uris {
            client.post_logout_redirect_uris = parse_uris("post_logout_redirect_uris", &uris)?;
        }
        if let Some(grants) = update.grants {
            let mut parsed = grants
                .iter()
                .map(|g| GrantType::parse(g))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AdminClientError::invalid("grant_types", e))?;
            parsed.sort();
            parsed.dedup();
            client.grant_types = parsed;
        }
        if let Some(scope) = update.scope {
            client.scope =
                ScopeSet::parse(&scope).map_err(|e| AdminClientError::invalid("scope", e))?;
        }
        if let Some(skip) = update.skip_consent {
            client.skip_consent = skip;
        }
        if let Some(require) = update.require_mfa {
            client.require_mfa = require;
        }
        if let Some(audiences) = update.exchange_audiences {
            client.exchange_audiences = parse_exchange_audiences(&audiences)?;
        }
        client.validate().map_err(rule_error)?;
        if !self.clients.update(&client).await? {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.update", client.id.as_str());
        Ok(client)
    }

    /// Gives a confidential client a new 256-bit secret, stored as its digest only (and sealed
    /// for a `client_secret_jwt` client); the old one stops working at once. The secret is
    /// returned once.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<SecretString, AdminClientError> {
        let client = self.get(id).await?;
        if client.is_public() {
            return Err(AdminClientError::PublicClient);
        }
        if client.auth_method == TokenEndpointAuthMethod::PrivateKeyJwt {
            return Err(AdminClientError::KeyClient);
        }
        let secret = random_token(self.rng.as_ref(), 32);
        if client.auth_method == TokenEndpointAuthMethod::ClientSecretJwt {
            let sealer = self.sealer.as_ref().ok_or_else(|| {
                RepositoryError::other("no cipher to seal client_secret_jwt secrets with")
            })?;
            let mut sealed = client.clone();
            sealed.security.sealed_secret =
                Some(seal_secret(sealer.as_ref(), &client.id, &secret)?);
            if !self.clients.update(&sealed).await? {
                return Err(AdminClientError::NotFound);
            }
        }
        if !self
            .clients
            .update_secret(&client.id, &TokenDigest::of(&secret))
            .await?
        {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.rotate_secret", client.id.as_str());
        Ok(SecretString::from(secret))
    }

    /// Deletes a client.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), AdminClientError> {
        if !self.registry.delete(id).await? {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.delete", id);
        Ok(())
    }

    /// Records an admin change to client `client_id`.
    fn audit(&self, actor: &Actor, detail: &str, client_id: &str) {
        record(
            self.audit.as_ref(),
            event(self.clock.as_ref(), actor, AuditAction::AdminAction, detail).client(client_id),
        );
    }
}

fn parse_uris(field: &'static str, uris: &[String]) -> Result<Vec<RedirectUri>, AdminClientError> {
    uris.iter()
        .map(|u| {
            RedirectUri::parse(u).map_err(|e| AdminClientError::Invalid {
                field,
                message: format!("{u:?}: {e}"),
                source: Box::new(e),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
