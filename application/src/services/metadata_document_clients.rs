//! Clients known by a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document):
//! a `client_id` that is a URL is fetched through the [`ClientMetadataDocuments`] port,
//! validated as strictly as an operator's registration, and used as a public client. The row
//! in `clients` is kept in step with the document (inserted, or updated when it changed),
//! because codes, consents and refresh tokens reference it.

use crate::ports::{
    ClientMetadataDocuments, ClientRepository, Clock, DocumentFetchError, ResourceRepository,
};
use crate::services::OIDC_REGISTRABLE_SCOPES;
use crate::RepositoryError;
use serde_json::Value;
use std::sync::Arc;
use tessera_domain::{
    ApplicationType, Client, ClientId, ClientOrigin, ClientRuleError, GrantType, RedirectUri,
    RedirectUriError, ScopeSet, TokenEndpointAuthMethod, UnixTime,
};

/// The scope of a document that names none: what a sign-in usually asks for.
const DEFAULT_SCOPE: &str = "openid profile email";
/// More redirect URIs than this is not a client, it is a probe.
const MAX_REDIRECT_URIS: usize = 20;

/// Why a fetched document cannot be used as a client.
#[derive(Debug, thiserror::Error)]
pub enum MetadataDocumentError {
    /// Fetching failed (guard refusal, network, status, size, time, not JSON).
    #[error(transparent)]
    Fetch(#[from] DocumentFetchError),
    /// The document is not a JSON object.
    #[error("the client metadata document is not a JSON object")]
    NotAnObject,
    /// Its `client_id` member is not exactly the URL it was fetched from (draft §4.1).
    #[error("the client_id in the metadata document does not match its URL")]
    ClientIdMismatch,
    /// A shared secret in a public document is no secret (draft §4.1).
    #[error("a client metadata document must not contain a client secret")]
    SecretInDocument,
    /// Only public clients (`none`) can be described by a document Tessera accepts.
    #[error("token_endpoint_auth_method must be none in a client metadata document")]
    AuthMethod,
    /// A member has the wrong type or an unknown value (which one is said).
    #[error("client metadata document: {0} is not valid")]
    Member(&'static str),
    /// A grant other than `authorization_code` and `refresh_token`.
    #[error(
        "client metadata document: grant_types may hold only authorization_code and refresh_token"
    )]
    Grant,
    /// A redirect URI breaks the registration rules.
    #[error("client metadata document: redirect_uris: {0}")]
    RedirectUri(#[source] RedirectUriError),
    /// The client as a whole breaks a registration rule.
    #[error("client metadata document: {0}")]
    Rule(#[source] ClientRuleError),
    /// Keeping the `clients` row in step failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl MetadataDocumentError {
    /// True when the document (or its fetch) is at fault, not Tessera's storage.
    pub fn is_client_fault(&self) -> bool {
        !matches!(self, Self::Repository(_))
    }

    /// The sentence of the error page `/authorize` shows (logged in full). A fetch failure is
    /// not detailed: the page must not become a probe of internal names and addresses.
    pub fn page_message(&self, id: &ClientId) -> String {
        if let Self::Fetch(e) = self {
            log::info!("client metadata document {id} not fetched: {e}");
            return "The application's metadata document could not be fetched.".to_owned();
        }
        log::info!("client metadata document {id} refused: {self}");
        format!("The application's metadata document cannot be used: {self}.")
    }
}

/// Looks clients up by id: registered ones in the repository, URL ids through their
/// metadata document when documents are on.
#[derive(Clone)]
pub struct ClientDirectory {
    clients: Arc<dyn ClientRepository>,
    documents: Option<Arc<dyn ClientMetadataDocuments>>,
    resources: Option<Arc<dyn ResourceRepository>>,
    clock: Arc<dyn Clock>,
}

impl ClientDirectory {
    /// Registered clients only (URL ids are looked up in the repository like any other).
    pub fn new(clients: Arc<dyn ClientRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            clients,
            documents: None,
            resources: None,
            clock,
        }
    }

    /// The same directory giving a document that names no `scope` every scope a client may
    /// register here (the OpenID Connect ones and those of the registered resources), as
    /// dynamic registration does: an MCP client's document seldom lists the server's scopes.
    pub fn with_resources(self, resources: Arc<dyn ResourceRepository>) -> Self {
        Self {
            resources: Some(resources),
            ..self
        }
    }

    /// The scope of a document that names none.
    async fn default_scope(&self) -> Result<ScopeSet, RepositoryError> {
        let Some(resources) = &self.resources else {
            return ScopeSet::parse(DEFAULT_SCOPE)
                .map_err(|e| RepositoryError::other(format!("built-in scope refused: {e}")));
        };
        let mut scope = ScopeSet::parse(OIDC_REGISTRABLE_SCOPES)
            .map_err(|e| RepositoryError::other(format!("built-in scope refused: {e}")))?;
        for r in resources.list().await? {
            scope = scope.union(&r.scope);
        }
        Ok(scope)
    }

    /// The same directory, resolving URL client ids through `documents`.
    pub fn with_documents(self, documents: Arc<dyn ClientMetadataDocuments>) -> Self {
        Self {
            documents: Some(documents),
            ..self
        }
    }

    /// The client `id` names: its document's when `id` is a URL and documents are on (the
    /// row is upserted first), else the stored row.
    pub async fn find(&self, id: &ClientId) -> Result<Option<Client>, MetadataDocumentError> {
        match &self.documents {
            Some(documents) if id.is_metadata_document_url() => {
                let document = documents.fetch(id).await?;
                let default_scope = self.default_scope().await?;
                let client =
                    client_from_document_with(id, &document, self.clock.now(), &default_scope)?;
                Ok(Some(self.keep_row_in_step(client).await?))
            }
            _ => Ok(self.clients.find(id).await?),
        }
    }

    /// Inserts the document's client, or updates the row when the document changed; the
    /// returned client keeps the row's creation time.
    async fn keep_row_in_step(&self, mut client: Client) -> Result<Client, RepositoryError> {
        match self.clients.find(&client.id).await? {
            None => match self.clients.insert(&client).await {
                // Another request inserted it first: the same document, nothing to do.
                Ok(()) | Err(RepositoryError::Conflict) => {}
                Err(e) => return Err(e),
            },
            Some(stored) => {
                client.created_at = stored.created_at;
                let changed = stored.name != client.name
                    || stored.grant_types != client.grant_types
                    || stored.redirect_uris != client.redirect_uris
                    || stored.post_logout_redirect_uris != client.post_logout_redirect_uris
                    || stored.scope != client.scope
                    || stored.skip_consent
                    || stored.auth_method != client.auth_method;
                if changed {
                    self.clients.update(&client).await?;
                }
            }
        }
        Ok(client)
    }
}

/// Validates a fetched document as the client `id` (see [`MetadataDocumentError`] for every
/// refusal): `client_id` equal to the URL, no secret, `none` authentication, grants among
/// `authorization_code` and `refresh_token`, redirect URIs as for any registration.
pub fn client_from_document(
    id: &ClientId,
    document: &Value,
    now: UnixTime,
) -> Result<Client, MetadataDocumentError> {
    let default_scope =
        ScopeSet::parse(DEFAULT_SCOPE).map_err(|_| MetadataDocumentError::Member("scope"))?;
    client_from_document_with(id, document, now, &default_scope)
}

/// [`client_from_document`] with the scope a document naming none is given.
pub fn client_from_document_with(
    id: &ClientId,
    document: &Value,
    now: UnixTime,
    default_scope: &ScopeSet,
) -> Result<Client, MetadataDocumentError> {
    let doc = document
        .as_object()
        .ok_or(MetadataDocumentError::NotAnObject)?;
    if doc.get("client_id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(MetadataDocumentError::ClientIdMismatch);
    }
    if doc.contains_key("client_secret") || doc.contains_key("client_secret_expires_at") {
        return Err(MetadataDocumentError::SecretInDocument);
    }
    match doc.get("token_endpoint_auth_method") {
        None => {}
        Some(m) if m.as_str() == Some("none") => {}
        Some(_) => return Err(MetadataDocumentError::AuthMethod),
    }
    let grant_types = match doc.get("grant_types") {
        None => vec![GrantType::AuthorizationCode],
        Some(v) => {
            let mut grants = Vec::new();
            for g in strings(v, "grant_types")? {
                let grant = match g {
                    "authorization_code" => GrantType::AuthorizationCode,
                    "refresh_token" => GrantType::RefreshToken,
                    _ => return Err(MetadataDocumentError::Grant),
                };
                if !grants.contains(&grant) {
                    grants.push(grant);
                }
            }
            grants
        }
    };
    if let Some(v) = doc.get("response_types") {
        if strings(v, "response_types")?.iter().any(|t| *t != "code") {
            return Err(MetadataDocumentError::Member("response_types"));
        }
    }
    let redirect_uris = uris(doc.get("redirect_uris"), "redirect_uris")?;
    let post_logout_redirect_uris = uris(
        doc.get("post_logout_redirect_uris"),
        "post_logout_redirect_uris",
    )?;
    let name = match doc.get("client_name") {
        None => id.url_host().unwrap_or(id.as_str()).to_owned(),
        Some(v) => v
            .as_str()
            .ok_or(MetadataDocumentError::Member("client_name"))?
            .to_owned(),
    };
    let scope = match doc.get("scope") {
        None => default_scope.clone(),
        Some(v) => ScopeSet::parse(v.as_str().ok_or(MetadataDocumentError::Member("scope"))?)
            .map_err(|_| MetadataDocumentError::Member("scope"))?,
    };
    let application_type = match doc.get("application_type") {
        None => ApplicationType::Web,
        Some(v) => v
            .as_str()
            .and_then(ApplicationType::parse)
            .ok_or(MetadataDocumentError::Member("application_type"))?,
    };
    let client = Client {
        security: Default::default(),
        id: id.clone(),
        name,
        secret_digest: None,
        auth_method: TokenEndpointAuthMethod::None,
        grant_types,
        redirect_uris,
        post_logout_redirect_uris,
        scope,
        skip_consent: false,
        require_mfa: false,
        created_at: now,
        application_type,
        origin: ClientOrigin::MetadataDocument,
        registration_access_digest: None,
        metadata: Default::default(),
        exchange_audiences: Vec::new(),
    };
    client.validate().map_err(MetadataDocumentError::Rule)?;
    Ok(client)
}

/// An array of strings, or the member's error.
fn strings<'a>(v: &'a Value, member: &'static str) -> Result<Vec<&'a str>, MetadataDocumentError> {
    v.as_array()
        .ok_or(MetadataDocumentError::Member(member))?
        .iter()
        .map(|s| s.as_str().ok_or(MetadataDocumentError::Member(member)))
        .collect()
}

/// An optional array of redirect URIs, each parsed for registration.
fn uris(
    v: Option<&Value>,
    member: &'static str,
) -> Result<Vec<RedirectUri>, MetadataDocumentError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let list = strings(v, member)?;
    if list.len() > MAX_REDIRECT_URIS {
        return Err(MetadataDocumentError::Member(member));
    }
    list.into_iter()
        .map(|u| RedirectUri::parse(u).map_err(MetadataDocumentError::RedirectUri))
        .collect()
}

#[cfg(test)]
mod tests;
