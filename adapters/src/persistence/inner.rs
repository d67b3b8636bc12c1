use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use diesel::SqliteConnection;
use tessera_application::RepositoryError;

use super::*;

/// What every repository shares: the pool, the limits and the way errors are reported.
pub(crate) struct Inner {
    pub(crate) pool: Pools,
    pub(super) target: Target,
    pub(super) redactor: Redactor,
    pub(super) opts: PoolOptions,
    pub(super) deadline: Duration,
    /// SQLite only: one-row reads on the calling thread (see `inline_reads`).
    pub(super) inline: Option<inline_reads::InlineReader>,
    /// The client rows of recent authentications (see `client_cache`); on PostgreSQL gated
    /// by `change_feed`.
    pub(super) client_cache: Option<Arc<client_cache::ClientCache>>,
    /// PostgreSQL only: the change feed, started by [`super::Database::start_change_feed`].
    pub(crate) change_feed: Option<Arc<change_feed::ChangeFeed>>,
}

impl Inner {
    /// On SQLite, runs a one-row read on the calling thread (see `inline_reads`); `None` on
    /// PostgreSQL or when the shortcut did not answer, and the caller then asks the pool.
    /// A tracing span like `with_connection!`'s, named from the closure's type (the caller).
    pub(crate) fn read_inline<T, F>(&self, read: F) -> Option<T>
    where
        F: FnOnce(&mut SqliteConnection) -> diesel::QueryResult<T>,
    {
        let reader = self.inline.as_ref()?;
        let span = crate::observability::otel::db_span(
            crate::observability::otel::DbSystem::Sqlite,
            std::any::type_name::<F>(),
        );
        let answer = reader.read(read);
        drop(span);
        answer
    }

    /// Runs `op` within the deadline; past it the caller gets `Unavailable`.
    pub(crate) async fn bounded<T>(
        &self,
        op: impl Future<Output = Result<T, RepositoryError>>,
    ) -> Result<T, RepositoryError> {
        match tokio::time::timeout(self.deadline, op).await {
            Ok(result) => result,
            Err(_) => {
                log::warn!(
                    "database operation did not finish within {:?}; failing closed",
                    self.deadline
                );
                Err(RepositoryError::Unavailable)
            }
        }
    }

    /// Runs `op` as a task of its own and waits for it within the deadline; past it the caller
    /// gets `Unavailable` while the task finishes in the background, never cut mid-statement.
    pub(crate) async fn detached<T: Send + 'static>(
        &self,
        op: impl Future<Output = Result<T, RepositoryError>> + Send + 'static,
    ) -> Result<T, RepositoryError> {
        let task = tokio::spawn(op);
        self.bounded(async move { task.await.map_err(RepositoryError::other)? })
            .await
    }
}
