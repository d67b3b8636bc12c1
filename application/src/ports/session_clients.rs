use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{SessionClient, UserId};

/// Which clients were issued codes in which browser session: the audience of the
/// back-channel logout tokens sent when the session ends.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionClientRepository: Send + Sync {
    /// Records that `entry.client_id` got a code in session `entry.sid` (again: no change
    /// but the expiry).
    async fn record(&self, entry: &SessionClient) -> Result<(), RepositoryError>;
    /// Removes and returns the clients of session `sid` (it ended).
    async fn take_for_session(&self, sid: &str) -> Result<Vec<SessionClient>, RepositoryError>;
    /// Removes and returns the clients of every session of `user` but `keep` (sessions ended
    /// together: sign out everywhere, or everywhere else).
    async fn take_for_user<'a>(
        &self,
        user: &UserId,
        keep: Option<&'a str>,
    ) -> Result<Vec<SessionClient>, RepositoryError>;
}
