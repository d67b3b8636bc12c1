//! The state of the bearer-protected resource endpoints (`/userinfo`): their use case behind a
//! small trait, so the handlers are tested with `actix_web::test` and a stand-in.

use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;
use tessera_application::services::{UserInfo, UserInfoError};

/// The claims an access token lets its bearer read (OIDC Core §5.3).
#[async_trait]
pub trait UserClaims: Send + Sync {
    /// The claims behind `token`, or why there are none.
    async fn claims(&self, token: &str) -> Result<Value, UserInfoError>;
}

#[async_trait]
impl UserClaims for UserInfo {
    async fn claims(&self, token: &str) -> Result<Value, UserInfoError> {
        UserInfo::claims(self, token).await
    }
}

/// What the resource endpoint handlers get as `web::Data`.
pub struct ResourceEndpoints {
    /// The UserInfo use case.
    pub userinfo: Arc<dyn UserClaims>,
}
