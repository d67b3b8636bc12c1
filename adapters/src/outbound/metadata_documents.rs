//! The [`ClientMetadataDocuments`] port: documents fetched through the guarded
//! [`OutboundClient`] and kept in a bounded moka cache for as long as their `Cache-Control`
//! allows, clamped (a document cannot pin itself for a year, nor make every request a fetch
//! unless it says `no-store`). Concurrent lookups of one URL share one fetch.

use super::{OutboundClient, OutboundError};
use async_trait::async_trait;
use moka::future::Cache;
use moka::Expiry;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_application::ports::{ClientMetadataDocuments, DocumentFetchError};
use tessera_domain::ClientId;

/// The largest document accepted (the draft suggests a few kilobytes; 64 KiB is generous).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Kept this long when the response says nothing about caching.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// The shortest a cacheable document is kept: bounds the fetches one client id can cause.
pub const MIN_LIFETIME: Duration = Duration::from_secs(30);
/// The longest: a changed document is seen within a day.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The cache's bound, in bytes of documents (and their URLs).
pub const CACHE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug)]
struct CachedDocument {
    value: Value,
    lifetime: Duration,
    weight: u32,
}

/// Each entry lives as long as its own document allows.
struct DocumentLifetime;

impl Expiry<String, Arc<CachedDocument>> for DocumentLifetime {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<CachedDocument>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }
}

/// Fetches and caches Client ID Metadata Documents.
#[derive(Clone)]
pub struct MetadataDocumentFetcher {
    client: OutboundClient,
    cache: Cache<String, Arc<CachedDocument>>,
}

impl MetadataDocumentFetcher {
    /// Over `client`, with an empty cache.
    pub fn new(client: OutboundClient) -> Self {
        let cache = Cache::builder()
            .max_capacity(CACHE_BYTES)
            .weigher(|_key: &String, doc: &Arc<CachedDocument>| doc.weight)
            .expire_after(DocumentLifetime)
            .build();
        Self { client, cache }
    }

    async fn load(&self, url: &str) -> Result<Arc<CachedDocument>, OutboundError> {
        let fetched = self.client.get_json(url, MAX_DOCUMENT_BYTES).await?;
        let lifetime = fetched
            .cache
            .lifetime(DEFAULT_LIFETIME, MIN_LIFETIME, MAX_LIFETIME);
        let weight = u32::try_from(fetched.size.saturating_add(url.len())).unwrap_or(u32::MAX);
        Ok(Arc::new(CachedDocument {
            value: fetched.value,
            lifetime,
            weight,
        }))
    }
}

#[async_trait]
impl ClientMetadataDocuments for MetadataDocumentFetcher {
    async fn fetch(&self, url: &ClientId) -> Result<Value, DocumentFetchError> {
        let key = url.as_str().to_owned();
        let doc = self
            .cache
            .try_get_with(key, self.load(url.as_str()))
            .await
            .map_err(|e: Arc<OutboundError>| DocumentFetchError(Box::new(SharedError(e))))?;
        if doc.lifetime.is_zero() {
            // no-store: served to the lookups that shared this fetch, never kept.
            self.cache.invalidate(url.as_str()).await;
        }
        Ok(doc.value.clone())
    }
}

/// An outbound error shared by the lookups that waited on one fetch.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SharedError(Arc<OutboundError>);

#[cfg(test)]
mod tests;
