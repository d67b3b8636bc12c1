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
mod tests {
    use super::*;

    #[test]
    fn only_an_unreachable_store_is_worth_a_retry() {
        assert_eq!(
            repository_fault_code(&RepositoryError::Unavailable),
            OAuthErrorCode::TemporarilyUnavailable
        );
        assert_eq!(
            repository_fault_code(&RepositoryError::Conflict),
            OAuthErrorCode::ServerError
        );
    }
}
