//! A process-wide cache of client rows in front of [`ClientRepository`].
//!
//! Every request to `/token`, `/introspect` and `/revoke` authenticates a client, and the row
//! almost never changes: reading it each time was the largest cost of those endpoints after
//! the signature itself (`make bench`: ES256 tokens 10.6k/s read each time, 18.4k/s cached).
//! Changes made through this process (admin API) invalidate the entry at once; changes made by
//! another process on the same file (the CLI beside a running server) are seen within the TTL.
//!
//! On PostgreSQL the cache is *gated* by the change feed (`change_feed`): entries are used only
//! while this process is listening for the `tessera_changes` notifications that every change
//! of a client row sends, so a secret rotated or a redirect URI removed by any process reaches
//! every other at commit. A lost listener connection turns the cache off and empties it until
//! the feed is back; a database that goes away therefore still yields 503 within the
//! feed's keep-alive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tessera_application::ports::ClientRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Client, ClientId, TokenDigest, UnixTime};

/// Entries kept at most: unknown ids are never cached, so only registered clients can fill it,
/// and a full cache is simply emptied.
const MAX_ENTRIES: usize = 10_000;

/// The shared state: one per [`super::Database`], so every repository handle of the process
/// sees the same entries and the same invalidations.
pub(crate) struct ClientCache {
    ttl: Duration,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    /// Bumped by every change, so a read that raced a change does not store what it read.
    generation: u64,
    entries: HashMap<String, (Instant, Client)>,
    /// Whether entries may be used: always on SQLite, only while the change feed listens on
    /// PostgreSQL.
    live: bool,
}

impl ClientCache {
    /// A cache whose entries live for `ttl`; a zero TTL turns caching off.
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            state: Mutex::new(CacheState {
                live: true,
                ..CacheState::default()
            }),
        }
    }

    /// A cache that stays off until [`Self::set_live`] turns it on (the change feed does).
    pub(crate) fn gated(ttl: Duration) -> Self {
        Self {
            ttl,
            state: Mutex::new(CacheState::default()),
        }
    }

    /// Turns the cache on or off; either way it starts empty, and reads that began before are
    /// not stored.
    pub(crate) fn set_live(&self, live: bool) {
        let mut state = self.lock();
        state.live = live;
        state.generation = state.generation.wrapping_add(1);
        state.entries.clear();
    }

    /// Forgets every entry (a change the feed could not name).
    pub(crate) fn invalidate_all(&self) {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        state.entries.clear();
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters (the worst is a missing entry), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, id: &ClientId) -> Result<Client, u64> {
        let state = self.lock();
        match state.entries.get(id.as_str()) {
            Some((at, client)) if state.live && at.elapsed() < self.ttl => Ok(client.clone()),
            _ => Err(state.generation),
        }
    }

    pub(crate) fn put(&self, generation: u64, client: &Client) {
        let mut state = self.lock();
        if !state.live || state.generation != generation {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(
            client.id.as_str().to_owned(),
            (Instant::now(), client.clone()),
        );
    }

    pub(crate) fn invalidate(&self, id: &ClientId) {
        self.invalidate_str(id.as_str());
    }

    /// [`Self::invalidate`] by the id's text, as a notification carries it.
    pub(crate) fn invalidate_str(&self, id: &str) {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        state.entries.remove(id);
    }
}

/// [`ClientRepository`] that answers `find` from [`ClientCache`] and forwards everything else,
/// invalidating the entry of every client it changes.
pub(crate) struct CachedClientRepository<R> {
    inner: R,
    cache: Arc<ClientCache>,
}

impl<R: ClientRepository> CachedClientRepository<R> {
    pub(crate) fn new(inner: R, cache: Arc<ClientCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl<R: ClientRepository> ClientRepository for CachedClientRepository<R> {
    async fn insert(&self, client: &Client) -> Result<(), RepositoryError> {
        self.inner.insert(client).await
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepositoryError> {
        if self.cache.ttl.is_zero() {
            return self.inner.find(id).await;
        }
        let generation = match self.cache.get(id) {
            Ok(client) => return Ok(Some(client)),
            Err(generation) => generation,
        };
        let found = self.inner.find(id).await?;
        if let Some(client) = &found {
            self.cache.put(generation, client);
        }
        Ok(found)
    }

    async fn list(&self) -> Result<Vec<Client>, RepositoryError> {
        self.inner.list().await
    }

    async fn delete(&self, id: &ClientId) -> Result<bool, RepositoryError> {
        // Invalidated before and after: before, so no request of this process is served the
        // old row once the delete may have committed; after, to drop what a racing read
        // stored meanwhile.
        self.cache.invalidate(id);
        let deleted = self.inner.delete(id).await;
        self.cache.invalidate(id);
        deleted
    }

    async fn update(&self, client: &Client) -> Result<bool, RepositoryError> {
        self.cache.invalidate(&client.id);
        let updated = self.inner.update(client).await;
        self.cache.invalidate(&client.id);
        updated
    }

    async fn update_secret(
        &self,
        id: &ClientId,
        digest: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        self.cache.invalidate(id);
        let updated = self.inner.update_secret(id, digest).await;
        self.cache.invalidate(id);
        updated
    }

    async fn mark_used(&self, id: &ClientId, at: UnixTime) -> Result<(), RepositoryError> {
        // `first_used_at` is not part of the cached client: nothing to invalidate.
        self.inner.mark_used(id, at).await
    }

    async fn replace_registration_access(
        &self,
        id: &ClientId,
        current: &TokenDigest,
        new: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        self.cache.invalidate(id);
        let replaced = self
            .inner
            .replace_registration_access(id, current, new)
            .await;
        self.cache.invalidate(id);
        replaced
    }
}

#[cfg(test)]
pub(crate) mod tests;
