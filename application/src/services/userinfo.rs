use crate::ports::UserRepository;
use crate::services::fault_code::repository_fault_code;
use crate::services::AccessTokenVerifier;
use crate::{OAuthErrorCode, RepositoryError};
use serde_json::{json, Value};
use std::sync::Arc;
use tessera_domain::UserId;

/// Why the UserInfo endpoint refuses (RFC 6750 §3.1 error codes).
#[derive(Debug, thiserror::Error)]
pub enum UserInfoError {
    /// Not a valid, active access token of a user: `401 invalid_token`.
    #[error("the access token is not valid")]
    InvalidToken,
    /// The token lacks the `openid` scope: `403 insufficient_scope`.
    #[error("the access token does not carry the openid scope")]
    InsufficientScope,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl UserInfoError {
    /// The RFC 6750 code of the refusal.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidToken => OAuthErrorCode::InvalidToken,
            Self::InsufficientScope => OAuthErrorCode::InsufficientScope,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// OIDC Core §5.3: the claims about the user that the token's scope allows.
pub struct UserInfo {
    verifier: Arc<AccessTokenVerifier>,
    users: Arc<dyn UserRepository>,
}

impl UserInfo {
    /// Builds the service.
    pub fn new(verifier: Arc<AccessTokenVerifier>, users: Arc<dyn UserRepository>) -> Self {
        Self { verifier, users }
    }

    /// The claims for `token`: `sub` always, `name` with `profile`, `email` and
    /// `email_verified` with `email`. Only access tokens are accepted (their `typ` is checked).
    pub async fn claims(&self, token: &str) -> Result<Value, UserInfoError> {
        let claims = self
            .verifier
            .verify_active(token)
            .await?
            .ok_or(UserInfoError::InvalidToken)?;
        let user_id = UserId::parse(&claims.sub).map_err(|_| UserInfoError::InvalidToken)?;
        let scope: Vec<&str> = claims.scope.split(' ').collect();
        if !scope.contains(&"openid") {
            return Err(UserInfoError::InsufficientScope);
        }
        let user = self
            .users
            .find(&user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(UserInfoError::InvalidToken)?;
        let mut out = serde_json::Map::new();
        out.insert("sub".into(), json!(user.id.as_str()));
        if scope.contains(&"profile") {
            if let Some(n) = &user.name {
                out.insert("name".into(), json!(n));
            }
        }
        if scope.contains(&"email") {
            out.insert("email".into(), json!(user.email.as_str()));
            out.insert("email_verified".into(), json!(user.email_verified));
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests;
