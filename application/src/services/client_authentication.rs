mod assertion;

pub use assertion::{
    advertised_assertion_algorithms, assertion_algorithms, check_claims, AssertionClaimError,
    CheckedAssertion, ClientAssertions, ASSERTION_LEEWAY_SECS, JWT_BEARER_ASSERTION_TYPE,
    MAX_ASSERTION_LIFETIME_SECS,
};

use crate::ports::{
    ClientMetadataDocuments, ClientRepository, Clock, ReplayKind, ResourceRepository,
};
use crate::services::fault_code::repository_fault_code;
use crate::services::{ClientDirectory, MetadataDocumentError};
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{Client, ClientId, TokenDigest, TokenEndpointAuthMethod};

/// What a request presented to prove which client sent it (RFC 6749 §2.3). The HTTP edge has
/// already refused requests that used more than one method (OAuth 2.1 §2.4, AS-28).
#[derive(Debug)]
pub enum PresentedCredentials {
    /// HTTP Basic, id and secret already form-urldecoded.
    Basic {
        /// Claimed client id.
        client_id: String,
        /// Presented secret.
        secret: SecretString,
    },
    /// `client_id` and `client_secret` in the body.
    Post {
        /// Claimed client id.
        client_id: String,
        /// Presented secret.
        secret: SecretString,
    },
    /// A bare `client_id`: only public clients may identify themselves this way.
    None {
        /// Claimed client id.
        client_id: String,
    },
    /// A JWT client assertion (RFC 7523 §2.2): `private_key_jwt` or `client_secret_jwt`.
    Assertion {
        /// Claimed client id: the assertion's `iss`/`sub`, read before any check.
        client_id: String,
        /// The compact JWT.
        assertion: SecretString,
        /// The path of the endpoint called (`/token`…): with the issuer, the endpoint URL an
        /// `aud` may name.
        endpoint_path: String,
    },
}

impl PresentedCredentials {
    /// The client id the caller claims (not yet authenticated).
    pub fn client_id(&self) -> &str {
        match self {
            Self::Basic { client_id, .. }
            | Self::Post { client_id, .. }
            | Self::None { client_id }
            | Self::Assertion { client_id, .. } => client_id,
        }
    }
}

/// Why authentication failed. One variant for every credential problem, so responses cannot
/// tell an unknown client from a wrong secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateClientError {
    /// Unknown client, wrong secret, or a method the client did not register.
    #[error("client authentication failed")]
    InvalidClient,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AuthenticateClientError {
    /// `invalid_client` (RFC 6749 §5.2), or the storage failure's code.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidClient => OAuthErrorCode::InvalidClient,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Authenticates clients at the token, introspection and revocation endpoints.
pub struct ClientAuthenticator {
    clients: Arc<dyn ClientRepository>,
    documents: Option<ClientDirectory>,
    assertions: Option<ClientAssertions>,
}

impl ClientAuthenticator {
    /// Builds the service.
    pub fn new(clients: Arc<dyn ClientRepository>) -> Self {
        Self {
            clients,
            documents: None,
            assertions: None,
        }
    }

    /// The same service accepting JWT client assertions (`private_key_jwt`,
    /// `client_secret_jwt`); without this every assertion is `invalid_client`.
    pub fn with_assertions(self, assertions: ClientAssertions) -> Self {
        Self {
            assertions: Some(assertions),
            ..self
        }
    }

    /// The same service, knowing URL client ids (public clients) by their Client ID Metadata
    /// Document.
    pub fn with_metadata_documents(
        self,
        documents: Arc<dyn ClientMetadataDocuments>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let directory = ClientDirectory::new(self.clients.clone(), clock).with_documents(documents);
        Self {
            documents: Some(directory),
            ..self
        }
    }

    /// The same authenticator giving metadata documents that name no scope every scope a
    /// client may register here (see [`ClientDirectory::with_resources`]), as `/authorize`
    /// does, so both keep the stored row alike.
    pub fn with_resource_scopes(self, resources: Arc<dyn ResourceRepository>) -> Self {
        Self {
            documents: self.documents.map(|d| d.with_resources(resources)),
            ..self
        }
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, AuthenticateClientError> {
        let Some(directory) = &self.documents else {
            return Ok(self.clients.find(id).await?);
        };
        match directory.find(id).await {
            Ok(client) => Ok(client),
            Err(MetadataDocumentError::Repository(e)) => Err(e.into()),
            Err(e) => {
                log::info!("client metadata document {id} refused: {e}");
                Ok(None)
            }
        }
    }

    /// Checks the credentials against the client's registered method and secret digest. The
    /// secret comparison is constant-time, and an unknown client costs the same digest work.
    pub async fn authenticate(
        &self,
        presented: PresentedCredentials,
    ) -> Result<Client, AuthenticateClientError> {
        let (client_id, secret, method) = match &presented {
            PresentedCredentials::Assertion {
                client_id,
                assertion,
                endpoint_path,
            } => {
                return self
                    .authenticate_assertion(client_id, assertion.expose_secret(), endpoint_path)
                    .await
            }
            PresentedCredentials::Basic { client_id, secret } => (
                client_id,
                Some(secret),
                TokenEndpointAuthMethod::ClientSecretBasic,
            ),
            PresentedCredentials::Post { client_id, secret } => (
                client_id,
                Some(secret),
                TokenEndpointAuthMethod::ClientSecretPost,
            ),
            PresentedCredentials::None { client_id } => {
                (client_id, None, TokenEndpointAuthMethod::None)
            }
        };
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.find(&id).await?,
            Err(_) => None,
        };
        let secret_ok = match (secret, client.as_ref()) {
            (Some(s), Some(c)) => c.secret_matches(s.expose_secret()),
            (Some(s), None) => {
                // Same work as a real comparison, so timing does not reveal which ids exist.
                let _ = TokenDigest::of(s.expose_secret()) == TokenDigest::of("");
                false
            }
            (None, _) => true,
        };
        match client {
            Some(c) if c.auth_method == method && secret_ok => Ok(c),
            Some(c) => {
                log::debug!(
                    "client {} failed authentication (registered {}, presented {})",
                    c.id,
                    c.auth_method.as_str(),
                    method.as_str()
                );
                Err(AuthenticateClientError::InvalidClient)
            }
            None => Err(AuthenticateClientError::InvalidClient),
        }
    }
}

impl ClientAuthenticator {
    /// `private_key_jwt` / `client_secret_jwt`: the client's registered method, the signature
    /// through the port with the profile's algorithms, the claims, and `jti` single use. Every
    /// refusal is the same `invalid_client`; the reason is logged, never the assertion.
    async fn authenticate_assertion(
        &self,
        client_id: &str,
        assertion: &str,
        endpoint_path: &str,
    ) -> Result<Client, AuthenticateClientError> {
        let refused = |why: &dyn std::fmt::Display| {
            log::info!("client {client_id:?} assertion refused: {why}");
            AuthenticateClientError::InvalidClient
        };
        let Some(cfg) = &self.assertions else {
            return Err(refused(&"client assertions are not accepted here"));
        };
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.find(&id).await?,
            Err(_) => None,
        };
        let Some(client) = client else {
            return Err(refused(&"unknown client"));
        };
        if !matches!(
            client.auth_method,
            TokenEndpointAuthMethod::PrivateKeyJwt | TokenEndpointAuthMethod::ClientSecretJwt
        ) {
            return Err(refused(&format_args!(
                "registered {}, presented an assertion",
                client.auth_method.as_str()
            )));
        }
        let profile = cfg.profile.max(client.security.profile);
        let allowed = assertion_algorithms(profile, client.auth_method);
        let verified = cfg
            .verifier
            .verify(&client, assertion, allowed, None)
            .await
            .map_err(|e| refused(&e))?;
        let now = cfg.clock.now();
        let endpoint_url = format!("{}{endpoint_path}", cfg.issuer.trim_end_matches('/'));
        let checked = check_claims(
            &verified,
            client.id.as_str(),
            &cfg.issuer,
            &endpoint_url,
            now,
        )
        .map_err(|e| refused(&e))?;
        let first = cfg
            .replay
            .first_use(
                ReplayKind::ClientAssertion,
                client.id.as_str(),
                &checked.jti,
                checked.keep_until,
                now,
            )
            .await?;
        if !first {
            return Err(refused(&"jti already used"));
        }
        Ok(client)
    }
}

#[cfg(test)]
pub(crate) mod tests;
