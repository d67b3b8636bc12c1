use diesel_async::pooled_connection::deadpool::PoolError;
use diesel_async::pooled_connection::PoolError as ManagerError;
use tessera_application::RepositoryError;
use tessera_domain::TokenDigest;

use super::*;

impl Inner {
    /// Maps a failure to get a pooled connection: all of them mean the database cannot be
    /// used right now.
    pub(crate) fn pool_error(&self, e: PoolError) -> RepositoryError {
        match e {
            PoolError::Timeout(kind) => {
                log::warn!("database pool timed out ({kind:?}); failing closed");
                RepositoryError::Unavailable
            }
            PoolError::Backend(ManagerError::ConnectionError(e)) => {
                log::warn!(
                    "cannot connect to the database: {}",
                    self.redactor.scrub(&e.to_string())
                );
                RepositoryError::Unavailable
            }
            PoolError::Backend(ManagerError::QueryError(e)) => match self.query_error(e) {
                RepositoryError::Other(e) => {
                    log::warn!("database connection check failed: {e}");
                    RepositoryError::Unavailable
                }
                other => other,
            },
            PoolError::Closed => RepositoryError::Unavailable,
            PoolError::NoRuntimeSpecified => {
                RepositoryError::other("the connection pool has no runtime")
            }
            PoolError::PostCreateHook(e) => {
                log::warn!(
                    "database connection setup failed: {}",
                    self.redactor.scrub(&e.to_string())
                );
                RepositoryError::Unavailable
            }
        }
    }

    /// Maps a query failure: unique violations are `Conflict`, lost connections, timeouts and
    /// lock waits are `Unavailable`, the rest `Other` with any secret scrubbed.
    pub(crate) fn query_error(&self, e: diesel::result::Error) -> RepositoryError {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            Error::DatabaseError(Kind::UniqueViolation, _) => RepositoryError::Conflict,
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                log::warn!(
                    "lost the database connection: {}",
                    self.redactor.scrub(info.message())
                );
                RepositoryError::Unavailable
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                log::warn!(
                    "database busy or timed out: {}",
                    self.redactor.scrub(info.message())
                );
                RepositoryError::Unavailable
            }
            Error::BrokenTransactionManager => RepositoryError::Unavailable,
            // Kept as the cause, unless its text quotes a secret: then only the scrubbed text.
            other => {
                let text = other.to_string();
                let scrubbed = self.redactor.scrub(&text);
                if scrubbed == text {
                    RepositoryError::other(other)
                } else {
                    RepositoryError::other(scrubbed)
                }
            }
        }
    }
}

/// A digest column read back; an error text (for `Corrupt`) unless it is 32 bytes.
pub(crate) fn stored_digest(bytes: &[u8]) -> Result<TokenDigest, String> {
    TokenDigest::from_bytes(bytes).ok_or_else(|| format!("{} bytes, not 32", bytes.len()))
}

/// Server messages that mean "try again later" rather than a fault in the query. A full disk
/// is one (SQLite's SQLITE_FULL, PostgreSQL's ENOSPC): the write was not stored, and it will
/// be once space is freed, so it is a 503, not a 500.
fn is_transient(message: &str) -> bool {
    const MARKERS: [&str; 10] = [
        "statement timeout",
        "lock timeout",
        "database is locked",
        "database table is locked",
        "terminating connection",
        "the database system is",
        "connection closed",
        "server closed the connection",
        "database or disk is full",
        "no space left on device",
    ];
    let message = message.to_ascii_lowercase();
    MARKERS.iter().any(|m| message.contains(m))
}

#[cfg(test)]
mod tests;
