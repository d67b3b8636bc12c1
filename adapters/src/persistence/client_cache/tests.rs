use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use tessera_domain::{GrantType, ScopeSet, TokenEndpointAuthMethod, UnixTime};

pub(crate) fn client(secret: &str) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
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
    async fn mark_used(
        &self,
        _: &ClientId,
        _: tessera_domain::UnixTime,
    ) -> Result<(), RepositoryError> {
        Ok(())
    }
    async fn replace_registration_access(
        &self,
        _: &ClientId,
        _: &TokenDigest,
        _: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        Ok(false)
    }
}

fn cached(ttl: Duration) -> (Arc<Store>, CachedClientRepository<Shared>) {
    let store = Arc::new(Store::default());
    let repo = CachedClientRepository::new(Shared(store.clone()), Arc::new(ClientCache::new(ttl)));
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
