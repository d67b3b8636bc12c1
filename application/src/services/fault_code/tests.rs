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
