//! [`UserRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{Email, LockoutPolicy, LoginAttempts, UnixTime, User, UserId};

use super::InMemoryStore;
use crate::ports::UserRepository;
use crate::RepositoryError;

/// The stored user whose address is `email`: the exact match first, then one equal ignoring
/// case (rows from before emails were canonical), oldest first, as the SQL lookup orders them.
fn by_email<'t>(users: impl Iterator<Item = &'t User>, email: &str) -> Option<&'t User> {
    users
        .filter(|u| u.email.as_str() == email || u.email.as_str().to_lowercase() == email)
        .min_by(|a, b| {
            let exact = |u: &User| u.email.as_str() != email;
            (exact(a), a.created_at, a.id.as_str()).cmp(&(exact(b), b.created_at, b.id.as_str()))
        })
}

fn missing(id: &UserId, what: &str) -> RepositoryError {
    RepositoryError::other(format!("user {id} to {what} is not stored"))
}

#[async_trait]
impl UserRepository for InMemoryStore {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let lower = user.email.as_str().to_lowercase();
        let taken = t.users.contains_key(user.id.as_str())
            || t.users.values().any(|u| {
                u.email.as_str() == user.email.as_str() || u.email.as_str().to_lowercase() == lower
            });
        if taken {
            return Err(RepositoryError::Conflict);
        }
        t.users.insert(user.id.as_str().to_owned(), user.clone());
        Ok(())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        let t = self.lock()?;
        Ok(by_email(t.users.values(), email.as_str()).cloned())
    }

    async fn find(&self, id: &UserId) -> Result<Option<User>, RepositoryError> {
        Ok(self.lock()?.users.get(id.as_str()).cloned())
    }

    async fn update_password_hash(&self, id: &UserId, phc: &str) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let user = t
            .users
            .get_mut(id.as_str())
            .ok_or_else(|| missing(id, "update"))?;
        user.password_hash = phc.to_owned();
        Ok(())
    }

    async fn record_login_failure(
        &self,
        id: &UserId,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, RepositoryError> {
        let mut t = self.lock()?;
        let user = t
            .users
            .get_mut(id.as_str())
            .ok_or_else(|| missing(id, "count a failure of"))?;
        user.login_attempts = user.login_attempts.after_failure(now, &policy);
        Ok(user.login_attempts)
    }

    async fn undo_login_failure(
        &self,
        id: &UserId,
        counted: LoginAttempts,
        before: LoginAttempts,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        match t.users.get_mut(id.as_str()) {
            Some(user) if user.login_attempts == counted => {
                user.login_attempts = before;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn reset_login_failures(&self, id: &UserId) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        let user = t
            .users
            .get_mut(id.as_str())
            .ok_or_else(|| missing(id, "reset"))?;
        user.login_attempts = LoginAttempts::after_success();
        Ok(())
    }

    async fn update_name(
        &self,
        id: &UserId,
        name: Option<String>,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        Ok(t.users
            .get_mut(id.as_str())
            .map(|u| u.name = name)
            .is_some())
    }

    async fn mark_email_verified(
        &self,
        id: &UserId,
        email: &Email,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        let email = email.as_str();
        match t.users.get_mut(id.as_str()) {
            Some(u) if u.email.as_str() == email || u.email.as_str().to_lowercase() == email => {
                u.email_verified = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, id: &UserId) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if t.users.remove(id.as_str()).is_none() {
            return Ok(false);
        }
        t.cascade_user(id.as_str());
        Ok(true)
    }

    async fn list(
        &self,
        after: Option<String>,
        email_contains: Option<String>,
        limit: u32,
    ) -> Result<Vec<User>, RepositoryError> {
        let t = self.lock()?;
        let needle = email_contains.map(|q| q.to_lowercase());
        let mut page: Vec<User> = t
            .users
            .values()
            .filter(|u| after.as_deref().is_none_or(|a| u.email.as_str() > a))
            .filter(|u| {
                needle
                    .as_deref()
                    .is_none_or(|n| u.email.as_str().to_lowercase().contains(n))
            })
            .cloned()
            .collect();
        page.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
        page.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(page)
    }

    async fn set_disabled(&self, id: &UserId, disabled: bool) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        Ok(t.users
            .get_mut(id.as_str())
            .map(|u| u.disabled = disabled)
            .is_some())
    }
}
