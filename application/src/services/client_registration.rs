use crate::ports::{random_token, ClientRepository, Clock, KeyCipher, RandomSource};
use crate::services::fault_code::repository_fault_code;
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    Client, ClientId, ClientJwks, ClientRuleError, ClientSecurity, GrantType, GrantTypeError,
    RedirectUri, RedirectUriError, ResourceError, ResourceIdentifier, ScopeError, ScopeSet,
    SecurityProfile, TokenDigest, TokenEndpointAuthMethod,
};

/// A registration request as a person or script states it; every field is parsed here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Grant names; empty means `client_credentials` for confidential clients and
    /// `authorization_code` for public ones.
    pub grants: Vec<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Space-separated scope.
    pub scope: String,
    /// Token endpoint auth method name; `None` picks the default for the client type.
    pub auth_method: Option<String>,
    /// A public client (no secret).
    pub public: bool,
    /// Skip the consent page for this client.
    pub skip_consent: bool,
    /// Sign-ins for this client need a second factor.
    pub require_mfa: bool,
    /// RFC 8693 policy: the registered resources it may ask tokens for by exchange.
    pub exchange_audiences: Vec<String>,
    /// A JWK Set document (JSON) of the client's public keys (`private_key_jwt`, signed
    /// request objects).
    pub jwks: Option<String>,
    /// Where the client publishes its JWK Set instead.
    pub jwks_uri: Option<String>,
    /// `/authorize` only with a pushed request (RFC 9126).
    pub require_par: bool,
    /// Tokens only with a DPoP proof (RFC 9449).
    pub require_dpop: bool,
    /// Where logout tokens are POSTed (OpenID Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must name the session (`sid`).
    pub backchannel_logout_session_required: bool,
    /// `fapi2` holds this client to the FAPI 2.0 profile whatever the server's.
    pub profile: Option<String>,
}

/// A stored client and, for confidential clients, its secret: shown once, never stored.
#[derive(Debug)]
pub struct RegisteredClient {
    /// The client as stored.
    pub client: Client,
    /// The secret in clear, only at creation.
    pub secret: Option<SecretString>,
}

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegisterClientError {
    /// A redirect URI is not acceptable.
    #[error("redirect URI {uri:?}: {source}")]
    RedirectUri {
        /// The URI as given.
        uri: String,
        /// Why.
        source: RedirectUriError,
    },
    /// An unknown grant name.
    #[error(transparent)]
    GrantType(#[from] GrantTypeError),
    /// A malformed scope.
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// An unknown auth method name.
    #[error("unknown token endpoint auth method {0:?}")]
    AuthMethod(String),
    /// An exchange audience that is not a resource identifier.
    #[error("exchange audience {value:?}: {source}")]
    ExchangeAudience {
        /// The value as given.
        value: String,
        /// Why.
        source: ResourceError,
    },
    /// Both `jwks` and `jwks_uri` (RFC 7591 §2: one or the other).
    #[error("jwks and jwks_uri are mutually exclusive")]
    JwksAndUri,
    /// An unknown security profile name.
    #[error("unknown profile {0:?} (standard or fapi2)")]
    Profile(String),
    /// A rule spanning fields was broken.
    #[error(transparent)]
    Rule(#[from] ClientRuleError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl RegisterClientError {
    /// The RFC 7591 §3.2.2 code of the refusal, or the storage failure's code.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::RedirectUri { .. } => OAuthErrorCode::InvalidRedirectUri,
            Self::GrantType(_)
            | Self::Scope(_)
            | Self::AuthMethod(_)
            | Self::ExchangeAudience { .. }
            | Self::JwksAndUri
            | Self::Profile(_)
            | Self::Rule(_) => OAuthErrorCode::InvalidClientMetadata,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Registers, lists and deletes clients: the one code path for the CLI and, later, the admin API.
pub struct ClientRegistry {
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    sealer: Option<Arc<dyn KeyCipher>>,
}

impl ClientRegistry {
    /// Builds the service.
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
    ) -> Self {
        Self {
            clients,
            clock,
            rng,
            sealer: None,
        }
    }

    /// The same registry able to register `client_secret_jwt` clients: their secret is sealed
    /// with `cipher` (the client id as associated data) so the HMAC of their assertions can be
    /// checked. Without it such a registration is refused.
    pub fn with_secret_sealer(self, cipher: Arc<dyn KeyCipher>) -> Self {
        Self {
            sealer: Some(cipher),
            ..self
        }
    }

    /// Validates and stores a client; confidential clients get a 256-bit secret, stored as its
    /// SHA-256 digest only.
    pub async fn register(&self, req: NewClient) -> Result<RegisteredClient, RegisterClientError> {
        let auth_method = match req.auth_method.as_deref() {
            Some(m) => TokenEndpointAuthMethod::parse(m)
                .ok_or_else(|| RegisterClientError::AuthMethod(m.to_owned()))?,
            None if req.public => TokenEndpointAuthMethod::None,
            None => TokenEndpointAuthMethod::ClientSecretBasic,
        };
        if req.public != (auth_method == TokenEndpointAuthMethod::None) {
            return Err(ClientRuleError::AuthMethodMismatch.into());
        }
        let mut grant_types = req
            .grants
            .iter()
            .map(|g| GrantType::parse(g))
            .collect::<Result<Vec<_>, _>>()?;
        if grant_types.is_empty() {
            grant_types.push(if req.public {
                GrantType::AuthorizationCode
            } else {
                GrantType::ClientCredentials
            });
        }
        grant_types.sort();
        grant_types.dedup();
        let parse_uris = |uris: &[String]| {
            uris.iter()
                .map(|u| {
                    RedirectUri::parse(u).map_err(|source| RegisterClientError::RedirectUri {
                        uri: u.clone(),
                        source,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let redirect_uris = parse_uris(&req.redirect_uris)?;
        let post_logout_redirect_uris = parse_uris(&req.post_logout_redirect_uris)?;
        let scope = ScopeSet::parse(&req.scope)?;
        let exchange_audiences = parse_exchange_audiences(&req.exchange_audiences)?;

        let jwks = match (req.jwks, req.jwks_uri) {
            (None, None) => ClientJwks::None,
            (Some(doc), None) => ClientJwks::Inline(doc),
            (None, Some(uri)) => ClientJwks::Uri(uri),
            (Some(_), Some(_)) => return Err(RegisterClientError::JwksAndUri),
        };
        let profile = match req.profile.as_deref() {
            None => SecurityProfile::Standard,
            Some(p) => {
                SecurityProfile::parse(p).ok_or_else(|| RegisterClientError::Profile(p.into()))?
            }
        };
        let mut security = ClientSecurity {
            jwks,
            require_par: req.require_par,
            require_dpop: req.require_dpop,
            backchannel_logout_uri: req.backchannel_logout_uri,
            backchannel_logout_session_required: req.backchannel_logout_session_required,
            profile,
            sealed_secret: None,
        };

        let id = ClientId::parse(&random_token(self.rng.as_ref(), 16))
            .map_err(|e| RepositoryError::other(format!("generated client id refused: {e}")))?;
        // Key-authenticated clients hold no shared secret at all.
        let secret = (!req.public && auth_method != TokenEndpointAuthMethod::PrivateKeyJwt)
            .then(|| random_token(self.rng.as_ref(), 32));
        if auth_method == TokenEndpointAuthMethod::ClientSecretJwt {
            if let (Some(sealer), Some(secret)) = (&self.sealer, &secret) {
                security.sealed_secret = Some(seal_secret(sealer.as_ref(), &id, secret)?);
            }
        }
        let client = Client {
            security,
            origin: Default::default(),
            registration_access_digest: None,
            application_type: Default::default(),
            exchange_audiences,
            metadata: Default::default(),
            id,
            name: req.name,
            secret_digest: secret.as_deref().map(TokenDigest::of),
            auth_method,
            grant_types,
            redirect_uris,
            post_logout_redirect_uris,
            scope,
            skip_consent: req.skip_consent,
            require_mfa: req.require_mfa,
            created_at: self.clock.now(),
        };
        client.validate()?;
        self.clients.insert(&client).await?;
        log::info!("registered client {} ({})", client.id, client.name);
        Ok(RegisteredClient {
            client,
            secret: secret.map(SecretString::from),
        })
    }

    /// Every client.
    pub async fn list(&self) -> Result<Vec<Client>, RepositoryError> {
        self.clients.list().await
    }

    /// Deletes a client by id; false when there was none (including ids that cannot exist).
    pub async fn delete(&self, id: &str) -> Result<bool, RepositoryError> {
        match ClientId::parse(id) {
            Ok(id) => self.clients.delete(&id).await,
            Err(_) => Ok(false),
        }
    }
}

/// Seals a `client_secret_jwt` secret for the client `id` (a sealed secret moved to another
/// client does not open).
pub fn seal_secret(
    sealer: &dyn KeyCipher,
    id: &ClientId,
    secret: &str,
) -> Result<Vec<u8>, RepositoryError> {
    sealer
        .encrypt(secret.as_bytes(), id.as_str().as_bytes())
        .map_err(|e| RepositoryError::other(format!("sealing the client secret failed: {e}")))
}

/// Parses an exchange policy (RFC 8693): resource identifiers, duplicates dropped. Whether
/// each is registered is checked at every exchange, as a resource may be deleted later.
pub fn parse_exchange_audiences(
    values: &[String],
) -> Result<Vec<ResourceIdentifier>, RegisterClientError> {
    let mut ids: Vec<ResourceIdentifier> = Vec::with_capacity(values.len());
    for v in values {
        let id = ResourceIdentifier::parse(v).map_err(|source| {
            RegisterClientError::ExchangeAudience {
                value: v.clone(),
                source,
            }
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests;
