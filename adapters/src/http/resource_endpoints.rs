//! The state of the bearer-protected resource endpoints (`/userinfo`): their use case behind a
//! small trait, so the handlers are tested with `actix_web::test` and a stand-in.

use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;
use tessera_application::services::{PresentedToken, UserInfo, UserInfoError};
use tessera_domain::DPOP_ALGORITHMS;

/// The claims an access token lets its bearer read (OIDC Core §5.3).
#[async_trait]
pub trait UserClaims: Send + Sync {
    /// The claims behind the presented token (bearer, or DPoP with its proof), or why there
    /// are none.
    async fn claims(&self, presented: PresentedToken<'_>) -> Result<Value, UserInfoError>;

    /// The proof algorithms accepted, for the `DPoP` challenge's `algs`.
    fn dpop_algorithms(&self) -> &'static [&'static str] {
        &DPOP_ALGORITHMS
    }

    /// The nonce for the `DPoP-Nonce` header, when nonces are configured.
    fn dpop_nonce(&self) -> Option<String> {
        None
    }
}

#[async_trait]
impl UserClaims for UserInfo {
    async fn claims(&self, presented: PresentedToken<'_>) -> Result<Value, UserInfoError> {
        UserInfo::claims_presented(self, presented).await
    }

    fn dpop_algorithms(&self) -> &'static [&'static str] {
        self.dpop().map_or(&DPOP_ALGORITHMS, |d| d.algorithms())
    }

    fn dpop_nonce(&self) -> Option<String> {
        self.dpop().and_then(|d| d.nonce())
    }
}

/// What the resource endpoint handlers get as `web::Data`.
pub struct ResourceEndpoints {
    /// The UserInfo use case.
    pub userinfo: Arc<dyn UserClaims>,
}
