use super::*;
use std::error::Error;
use tessera_domain::GrantType;

#[test]
fn each_refusal_names_its_code_and_keeps_its_cause() {
    let scope = TokenError::InvalidScope(ScopeError::Separator);
    assert_eq!(scope.code(), OAuthErrorCode::InvalidScope);
    assert!(scope.source().is_some());
    let rule = TokenError::from(ClientRuleError::GrantNotAllowed(GrantType::RefreshToken));
    assert_eq!(rule.code(), OAuthErrorCode::UnauthorizedClient);
    assert!(rule.source().is_some());
    assert_eq!(
        TokenError::InvalidGrant("spent".into()).code(),
        OAuthErrorCode::InvalidGrant
    );
    assert_eq!(
        TokenError::Repository(RepositoryError::Unavailable).code(),
        OAuthErrorCode::TemporarilyUnavailable
    );
    assert_eq!(
        TokenError::Crypto(CryptoError::NoActiveKey).code(),
        OAuthErrorCode::ServerError
    );
}
