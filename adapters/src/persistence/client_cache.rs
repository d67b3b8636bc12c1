//! A short-lived, process-wide cache of client rows in front of [`ClientRepository`], used on
//! SQLite only.
//!
//! Every request to `/token`, `/introspect` and `/revoke` authenticates a client, and the row
//! almost never changes: reading it each time was the largest cost of those endpoints after
//! the signature itself (`make bench`: ES256 tokens 10.6k/s read each time, 18.4k/s cached).
//! Changes made through this process (admin API) invalidate the entry at once; changes made by
//! another process on the same file (the CLI beside a running server) are seen within the TTL.
//!
//! PostgreSQL gets no cache: there the database can become unreachable while the process runs,
//! and R-02 wants `/token` to answer 503 then, not a token from a remembered row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tessera_application::ports::ClientRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Client, ClientId, TokenDigest};

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
}

impl ClientCache {
    /// A cache whose entries live for `ttl`; a zero TTL turns caching off.
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            state: Mutex::new(CacheState::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters (the worst is a missing entry), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, id: &ClientId) -> Result<Client, u64> {
        let state = self.lock();
        match state.entries.get(id.as_str()) {
            Some((at, client)) if at.elapsed() < self.ttl => Ok(client.clone()),
            _ => Err(state.generation),
        }
    }

    fn put(&self, generation: u64, client: &Client) {
        let mut state = self.lock();
        if state.generation != generation {
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

    fn invalidate(&self, id: &ClientId) {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        state.entries.remove(id.as_str());
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tessera_domain::{GrantType, ScopeSet, TokenEndpointAuthMethod, UnixTime};

    fn client(secret: &str) -> Client {
        Client {
            id: id(),
            name: "svc".into(),
            secret_digest: Some(TokenDigest::of(secret)),
            auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
            grant_types: vec![GrantType::ClientCredentials],
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            scope: ScopeSet::parse("read").unwrap(),
            skip_consent: false,
            created_at: UnixTime::from_secs(0),
        }
    }

    fn id() -> ClientId {
        ClientId::parse("svc").unwrap()
    }

    /// A one-client store that counts reads.
    #[derive(Default)]
    struct Store {
        row: Mutex<Option<Client>>,
        finds: AtomicUsize,
    }

    /// The handle the cache wraps; the test keeps another to look behind the cache.
    struct Shared(Arc<Store>);

    impl std::ops::Deref for Shared {
        type Target = Store;
        fn deref(&self) -> &Store {
            &self.0
        }
    }

    #[async_trait]
    impl ClientRepository for Shared {
        async fn insert(&self, client: &Client) -> Result<(), RepositoryError> {
            *self.row.lock().unwrap() = Some(client.clone());
            Ok(())
        }
        async fn find(&self, _: &ClientId) -> Result<Option<Client>, RepositoryError> {
            self.finds.fetch_add(1, Ordering::SeqCst);
            Ok(self.row.lock().unwrap().clone())
        }
        async fn list(&self) -> Result<Vec<Client>, RepositoryError> {
            Ok(self.row.lock().unwrap().iter().cloned().collect())
        }
        async fn delete(&self, _: &ClientId) -> Result<bool, RepositoryError> {
            Ok(self.row.lock().unwrap().take().is_some())
        }
        async fn update(&self, client: &Client) -> Result<bool, RepositoryError> {
            *self.row.lock().unwrap() = Some(client.clone());
            Ok(true)
        }
        async fn update_secret(
            &self,
            _: &ClientId,
            digest: &TokenDigest,
        ) -> Result<bool, RepositoryError> {
            let mut row = self.row.lock().unwrap();
            if let Some(c) = row.as_mut() {
                c.secret_digest = Some(digest.clone());
            }
            Ok(row.is_some())
        }
    }

    fn cached(ttl: Duration) -> (Arc<Store>, CachedClientRepository<Shared>) {
        let store = Arc::new(Store::default());
        let repo =
            CachedClientRepository::new(Shared(store.clone()), Arc::new(ClientCache::new(ttl)));
        (store, repo)
    }

    #[tokio::test]
    async fn second_find_is_served_from_the_cache() {
        let (store, repo) = cached(Duration::from_secs(60));
        repo.insert(&client("s1")).await.unwrap();
        for _ in 0..3 {
            assert!(repo
                .find(&id())
                .await
                .unwrap()
                .unwrap()
                .secret_matches("s1"));
        }
        assert_eq!(store.finds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unknown_ids_and_a_zero_ttl_always_ask_the_store() {
        let (store, repo) = cached(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(repo.find(&id()).await.unwrap().is_none());
        }
        assert_eq!(
            store.finds.load(Ordering::SeqCst),
            3,
            "misses are not cached"
        );
        let (store, repo) = cached(Duration::ZERO);
        repo.insert(&client("s1")).await.unwrap();
        for _ in 0..2 {
            assert!(repo.find(&id()).await.unwrap().is_some());
        }
        assert_eq!(store.finds.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn changes_through_the_cache_are_seen_at_once() {
        let (_, repo) = cached(Duration::from_secs(60));
        repo.insert(&client("old")).await.unwrap();
        assert!(repo
            .find(&id())
            .await
            .unwrap()
            .unwrap()
            .secret_matches("old"));
        assert!(repo
            .update_secret(&id(), &TokenDigest::of("new"))
            .await
            .unwrap());
        let now = repo.find(&id()).await.unwrap().unwrap();
        assert!(now.secret_matches("new") && !now.secret_matches("old"));
        let mut renamed = now.clone();
        renamed.name = "renamed".into();
        assert!(repo.update(&renamed).await.unwrap());
        assert_eq!(repo.find(&id()).await.unwrap().unwrap().name, "renamed");
        assert!(repo.delete(&id()).await.unwrap());
        assert!(repo.find(&id()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_change_by_someone_else_is_seen_after_the_ttl() {
        let (store, repo) = cached(Duration::from_millis(30));
        repo.insert(&client("old")).await.unwrap();
        assert!(repo.find(&id()).await.unwrap().is_some());
        store.row.lock().unwrap().take(); // another process deletes it
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(repo.find(&id()).await.unwrap().is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_stored() {
        let cache = ClientCache::new(Duration::from_secs(60));
        let generation = cache.get(&id()).unwrap_err();
        cache.invalidate(&id());
        cache.put(generation, &client("stale"));
        assert!(cache.get(&id()).is_err());
    }
}
