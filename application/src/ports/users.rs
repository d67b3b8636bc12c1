use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Email, LockoutPolicy, LoginAttempts, UnixTime, User, UserId};

/// Where user accounts live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user; `Conflict` if the email is taken.
    async fn insert(&self, user: &User) -> Result<(), RepositoryError>;
    /// Finds a user by email (exact match of the parsed, domain-lowercased form).
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError>;
    /// Finds a user by id.
    async fn find(&self, id: &UserId) -> Result<Option<User>, RepositoryError>;
    /// Replaces the stored password hash (rehash on login when parameters changed).
    async fn update_password_hash(&self, id: &UserId, phc: &str) -> Result<(), RepositoryError>;
    /// Counts one failed sign-in of user `id` at `now` under `policy`
    /// ([`LoginAttempts::after_failure`]) and returns the state stored. Atomic across
    /// processes: the read and the write are one transaction holding the row, so concurrent
    /// failures are all counted. `Other` if the user is not stored.
    async fn record_login_failure(
        &self,
        id: &UserId,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, RepositoryError>;
    /// Takes back one counted failure whose password was never checked (the hasher shed the
    /// load): if the stored state is still exactly `counted`, puts `before` back, in one
    /// conditional UPDATE; true if it did. Anything counted since is left alone, so no
    /// genuine failure is ever erased.
    async fn undo_login_failure(
        &self,
        id: &UserId,
        counted: LoginAttempts,
        before: LoginAttempts,
    ) -> Result<bool, RepositoryError>;
    /// Forgets the failed sign-ins and any lock of user `id` (after a successful sign-in).
    async fn reset_login_failures(&self, id: &UserId) -> Result<(), RepositoryError>;
    /// Sets or clears the display name; false if the user is not stored.
    async fn update_name(&self, id: &UserId, name: Option<String>)
        -> Result<bool, RepositoryError>;
    /// Marks the address verified, only if the account still has exactly `email` (a link
    /// proves the address it was sent to); true if a row changed.
    async fn mark_email_verified(
        &self,
        id: &UserId,
        email: &Email,
    ) -> Result<bool, RepositoryError>;
    /// Deletes the user and, by the schema's cascades, everything hanging off it (sessions,
    /// consents, codes, refresh tokens, emailed-link tokens); false if not stored.
    async fn delete(&self, id: &UserId) -> Result<bool, RepositoryError>;
    /// One page of users ordered by email (the admin listing): only emails after `after`
    /// (exclusive; keyset paging stays cheap and stable while rows come and go), only those
    /// containing `email_contains` ignoring case, at most `limit`.
    async fn list(
        &self,
        after: Option<String>,
        email_contains: Option<String>,
        limit: u32,
    ) -> Result<Vec<User>, RepositoryError>;
    /// Disables or re-enables the account; false if the user is not stored.
    async fn set_disabled(&self, id: &UserId, disabled: bool) -> Result<bool, RepositoryError>;
}
