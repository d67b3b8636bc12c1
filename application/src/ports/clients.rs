use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Client, ClientId, TokenDigest, UnixTime};

/// Where registered clients live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client; `Conflict` if the id is taken.
    async fn insert(&self, client: &Client) -> Result<(), RepositoryError>;
    /// Finds a client by id.
    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepositoryError>;
    /// Every client, oldest first.
    async fn list(&self) -> Result<Vec<Client>, RepositoryError>;
    /// Deletes a client; false if there was none.
    async fn delete(&self, id: &ClientId) -> Result<bool, RepositoryError>;
    /// Replaces the settings of a stored client (name, grants, redirect URIs, scope,
    /// `skip_consent`, `require_mfa`, auth method, application type, metadata); the id, origin,
    /// secret, registration access digest and creation time stay. The auth method changes only
    /// within its kind: false if the stored client is public and this one not (or the other
    /// way round), or if it is not stored.
    async fn update(&self, client: &Client) -> Result<bool, RepositoryError>;
    /// Replaces the secret digest of a confidential client; false if there is no such client
    /// or it is public (a public client must never gain a secret this way).
    async fn update_secret(
        &self,
        id: &ClientId,
        digest: &TokenDigest,
    ) -> Result<bool, RepositoryError>;
    /// Records that the client was issued a code or a token at `at`, the first time only (a
    /// conditional update: later calls change nothing). Housekeeping purges self-registered
    /// clients that never were.
    async fn mark_used(&self, id: &ClientId, at: UnixTime) -> Result<(), RepositoryError>;
    /// Replaces the RFC 7592 registration access digest of a client, only if it still is
    /// `current` (so two requests racing with one token cannot both rotate it); false
    /// otherwise.
    async fn replace_registration_access(
        &self,
        id: &ClientId,
        current: &TokenDigest,
        new: &TokenDigest,
    ) -> Result<bool, RepositoryError>;
}
