//! [`UpstreamRepository`] and [`UpstreamIdentityRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Upstream, UpstreamId, UpstreamIdentity, UpstreamSubject, User, UserId};

use super::tables::Tables;
use super::InMemoryStore;
use crate::ports::{UpstreamIdentityRepository, UpstreamRepository};
use crate::RepositoryError;

#[async_trait]
impl UpstreamRepository for InMemoryStore {
    async fn insert(&self, upstream: &Upstream) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let key = upstream.id.as_str().to_owned();
        if t.upstreams.contains_key(&key) {
            return Err(RepositoryError::Conflict);
        }
        t.upstreams.insert(key, upstream.clone());
        Ok(())
    }

    async fn find(&self, id: &UpstreamId) -> Result<Option<Upstream>, RepositoryError> {
        Ok(self.lock()?.upstreams.get(id.as_str()).cloned())
    }

    async fn list(&self) -> Result<Vec<Upstream>, RepositoryError> {
        let mut all: Vec<Upstream> = self.lock()?.upstreams.values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }

    async fn delete(&self, id: &UpstreamId) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let gone = t.upstreams.remove(id.as_str()).is_some();
        t.upstream_identities
            .retain(|(upstream, _), _| upstream != id.as_str());
        Ok(gone)
    }
}

/// The uniqueness rules of the `upstream_identities` table: one row per (upstream, sub) and
/// one per (upstream, user); the upstream and the user must exist.
fn insert_link(t: &mut Tables, identity: &UpstreamIdentity) -> Result<(), RepositoryError> {
    t.require_user(&identity.user)?;
    if !t.upstreams.contains_key(identity.upstream.as_str()) {
        return Err(RepositoryError::other(format!(
            "foreign key violated: upstream {} is not stored",
            identity.upstream
        )));
    }
    let key = (
        identity.upstream.as_str().to_owned(),
        identity.subject.as_str().to_owned(),
    );
    let taken = t.upstream_identities.contains_key(&key)
        || t.upstream_identities
            .values()
            .any(|l| l.upstream == identity.upstream && l.user == identity.user);
    if taken {
        return Err(RepositoryError::Conflict);
    }
    t.upstream_identities.insert(key, identity.clone());
    Ok(())
}

#[async_trait]
impl UpstreamIdentityRepository for InMemoryStore {
    async fn link(&self, identity: &UpstreamIdentity) -> Result<(), RepositoryError> {
        insert_link(&mut *self.lock()?, identity)
    }

    async fn create_linked_user(
        &self,
        user: &User,
        identity: &UpstreamIdentity,
    ) -> Result<(), RepositoryError> {
        // Check the link first so a refused link leaves no account behind (one transaction).
        {
            let t = self.lock()?;
            let key = (
                identity.upstream.as_str().to_owned(),
                identity.subject.as_str().to_owned(),
            );
            if t.upstream_identities.contains_key(&key) {
                return Err(RepositoryError::Conflict);
            }
        }
        crate::ports::UserRepository::insert(self, user).await?;
        let mut t = self.lock()?;
        if let Err(e) = insert_link(&mut t, identity) {
            t.users.remove(user.id.as_str());
            return Err(e);
        }
        Ok(())
    }

    async fn find(
        &self,
        upstream: &UpstreamId,
        subject: &UpstreamSubject,
    ) -> Result<Option<UpstreamIdentity>, RepositoryError> {
        let key = (upstream.as_str().to_owned(), subject.as_str().to_owned());
        Ok(self.lock()?.upstream_identities.get(&key).cloned())
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<UpstreamIdentity>, RepositoryError> {
        let mut all: Vec<UpstreamIdentity> = self
            .lock()?
            .upstream_identities
            .values()
            .filter(|l| &l.user == user)
            .cloned()
            .collect();
        all.sort_by(|a, b| (a.created_at, &a.upstream).cmp(&(b.created_at, &b.upstream)));
        Ok(all)
    }

    async fn unlink(&self, user: &UserId, upstream: &UpstreamId) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let before = t.upstream_identities.len();
        t.upstream_identities
            .retain(|_, l| !(&l.user == user && &l.upstream == upstream));
        Ok(t.upstream_identities.len() != before)
    }
}
