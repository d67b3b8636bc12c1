//! The protocol code of a failure that is the server's, not the caller's.

use crate::{OAuthErrorCode, RepositoryError};

/// `temporarily_unavailable` when the store cannot be reached (the caller may retry, R-02),
/// `server_error` for any other storage failure.
pub(crate) fn repository_fault_code(e: &RepositoryError) -> OAuthErrorCode {
    match e {
        RepositoryError::Unavailable => OAuthErrorCode::TemporarilyUnavailable,
        _ => OAuthErrorCode::ServerError,
    }
}

#[cfg(test)]
mod tests;
