//! Clients' `jwks_uri` key sets, fetched through the guarded [`OutboundClient`] and kept in a
//! bounded moka cache as long as their `Cache-Control` allows (5 minutes when it says nothing,
//! clamped like the metadata documents). An unknown `kid` may fetch a set again, at most once
//! per [`REFETCH_INTERVAL`] for one URL, so a client sending made-up key ids cannot turn
//! Tessera into a request generator.

use crate::outbound::metadata_documents::{DEFAULT_LIFETIME, MAX_LIFETIME, MIN_LIFETIME};
use crate::outbound::{OutboundClient, OutboundError};
use moka::future::Cache;
use moka::Expiry;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_application::ports::ClientJwtError;

/// The largest key set accepted.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The cache's bound, in bytes of key sets (and their URLs).
pub const CACHE_BYTES: u64 = 8 * 1024 * 1024;
/// At most one refetch of a URL for an unknown key in this long.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct CachedSet {
    value: Arc<Value>,
    lifetime: Duration,
    weight: u32,
}

/// Each entry lives as long as its own response allows.
struct SetLifetime;

impl Expiry<String, Arc<CachedSet>> for SetLifetime {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<CachedSet>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }
}

/// The key sets of `jwks_uri` clients; cheap to clone (the caches are shared).
#[derive(Clone)]
pub struct ClientKeySets {
    client: OutboundClient,
    cache: Cache<String, Arc<CachedSet>>,
    refetched: Cache<String, ()>,
}

impl ClientKeySets {
    /// Over `client`, with empty caches.
    pub fn new(client: OutboundClient) -> Self {
        Self::with_refetch_interval(client, REFETCH_INTERVAL)
    }

    /// The same with another refetch interval (tests).
    pub fn with_refetch_interval(client: OutboundClient, interval: Duration) -> Self {
        let cache = Cache::builder()
            .max_capacity(CACHE_BYTES)
            .weigher(|_key: &String, set: &Arc<CachedSet>| set.weight)
            .expire_after(SetLifetime)
            .build();
        let refetched = Cache::builder()
            .max_capacity(100_000)
            .time_to_live(interval)
            .build();
        Self {
            client,
            cache,
            refetched,
        }
    }

    /// The set at `uri`, from the cache or fetched (concurrent lookups share one fetch).
    pub async fn get(&self, uri: &str) -> Result<Arc<Value>, ClientJwtError> {
        let set = self
            .cache
            .try_get_with(uri.to_owned(), self.load(uri))
            .await
            .map_err(|e: Arc<OutboundError>| {
                log::info!("jwks_uri {uri} could not be fetched: {e}");
                ClientJwtError::KeysUnavailable(e.to_string())
            })?;
        if set.lifetime.is_zero() {
            // no-store: served to the lookups that shared this fetch, never kept.
            self.cache.invalidate(uri).await;
        }
        Ok(set.value.clone())
    }

    /// The set at `uri` fetched anew, unless it already was within the refetch interval
    /// (`None`: keep to what is known).
    pub async fn refresh(&self, uri: &str) -> Result<Option<Arc<Value>>, ClientJwtError> {
        let entry = self
            .refetched
            .entry(uri.to_owned())
            .or_insert_with(async {})
            .await;
        if !entry.is_fresh() {
            return Ok(None);
        }
        self.cache.invalidate(uri).await;
        self.get(uri).await.map(Some)
    }

    async fn load(&self, uri: &str) -> Result<Arc<CachedSet>, OutboundError> {
        let fetched = self.client.get_json(uri, MAX_JWKS_BYTES).await?;
        let lifetime = fetched
            .cache
            .lifetime(DEFAULT_LIFETIME, MIN_LIFETIME, MAX_LIFETIME);
        let weight = u32::try_from(fetched.size.saturating_add(uri.len())).unwrap_or(u32::MAX);
        Ok(Arc::new(CachedSet {
            value: Arc::new(fetched.value),
            lifetime,
            weight,
        }))
    }
}
