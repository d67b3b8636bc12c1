use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{ClientId, Consent, UserId};

/// Remembered consents.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConsentRepository: Send + Sync {
    /// The consent a user gave a client, if any.
    async fn find(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<Option<Consent>, RepositoryError>;
    /// Stores or replaces the consent for (user, client).
    async fn upsert(&self, consent: &Consent) -> Result<(), RepositoryError>;
    /// Forgets a consent; false if there was none.
    async fn delete(&self, user: &UserId, client: &ClientId) -> Result<bool, RepositoryError>;
    /// Every consent of `user`, by client id.
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Consent>, RepositoryError>;
    /// Withdraws a grant in one transaction: forgets the consent and revokes the user's
    /// refresh tokens of that client, so the client loses access, not just the remembered
    /// answer. Returns whether a consent was stored and the refresh-token families revoked
    /// (the caller denylists their access tokens).
    async fn revoke_with_grants(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<(bool, Vec<String>), RepositoryError>;
}
