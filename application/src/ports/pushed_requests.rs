use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{ClientId, TokenDigest, UnixTime};

/// An authorization request pushed to `/par` (RFC 9126), waiting for the browser to bring its
/// `request_uri` to `/authorize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// Digest of the random part of the `request_uri` (the clear value is never stored).
    pub digest: TokenDigest,
    /// The client that pushed it; only it may use the `request_uri`.
    pub client_id: ClientId,
    /// The request's parameters as validated at `/par` (from the request object, when one
    /// was pushed), in the order [`crate::services::AuthorizeParams::pairs`] gives them.
    pub params: Vec<(String, String)>,
    /// When the `request_uri` stops working.
    pub expires_at: UnixTime,
}

/// Pushed authorization requests, stored by digest and used at most once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PushedRequestRepository: Send + Sync {
    /// Stores a new pushed request.
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepositoryError>;
    /// Removes and returns the request of `digest` pushed by `client_id` and still valid at
    /// `now`, in ONE atomic statement, so that of concurrent uses exactly one gets it.
    /// One of another client, or expired, is not returned and stays where it is.
    async fn take(
        &self,
        digest: &TokenDigest,
        client_id: &ClientId,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, RepositoryError>;
}
