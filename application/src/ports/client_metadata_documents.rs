use async_trait::async_trait;
use tessera_domain::ClientId;

/// Why a Client ID Metadata Document could not be had: refused by the outbound guard (scheme,
/// address), unreachable, too slow, too large, not JSON, or an HTTP error status.
#[derive(Debug, thiserror::Error)]
#[error("the client metadata document could not be fetched: {0}")]
pub struct DocumentFetchError(#[source] pub crate::errors::BoxError);

/// Fetches the JSON document a URL `client_id` names
/// (draft-ietf-oauth-client-id-metadata-document §4). The adapter goes through the guarded
/// outbound client and caches per the document's HTTP caching headers, so the application
/// stays free of HTTP and calls this on every lookup.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientMetadataDocuments: Send + Sync {
    /// The document at `url` (a client id for which `is_metadata_document_url` holds), as
    /// JSON, not yet validated.
    async fn fetch(&self, url: &ClientId) -> Result<serde_json::Value, DocumentFetchError>;
}
