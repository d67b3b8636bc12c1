use async_trait::async_trait;

/// Why a logout token did not reach its relying party; the text never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LogoutSendError(pub String);

/// POSTs a logout token to a `backchannel_logout_uri` (OIDC Back-Channel Logout §2.5), through
/// the guarded outbound client.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LogoutSender: Send + Sync {
    /// Sends `logout_token=<token>` form-encoded; Ok only for an answer of 200 or 204 (§2.8).
    async fn send(&self, uri: &str, token: &str) -> Result<(), LogoutSendError>;
}
