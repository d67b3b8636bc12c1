use crate::ports::{Clock, RefreshTokenRepository, RevocationRepository, UserRepository};
use crate::services::{grant_revocation_key, AccessTokenVerifier};
use crate::RepositoryError;
use serde::Serialize;
use std::sync::Arc;
use tessera_domain::{Client, TokenDigest};

/// An RFC 7662 §2.2 response. Inactive tokens carry nothing but `active: false`, whatever the
/// reason, so introspection leaks nothing about tokens that do not work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntrospectionResponse {
    /// Whether the token is currently usable.
    pub active: bool,
    /// Space-separated scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `Bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Token id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl IntrospectionResponse {
    /// The answer for anything that is not an active token.
    pub fn inactive() -> Self {
        Self {
            active: false,
            scope: None,
            client_id: None,
            token_type: None,
            exp: None,
            iat: None,
            sub: None,
            aud: None,
            iss: None,
            jti: None,
        }
    }
}

/// Token introspection (RFC 7662) for protected resources, which authenticate as clients.
pub struct Introspection {
    verifier: Arc<AccessTokenVerifier>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    users: Arc<dyn UserRepository>,
    revocations: Arc<dyn RevocationRepository>,
    clock: Arc<dyn Clock>,
}

impl Introspection {
    /// Builds the service; `users` and `revocations` answer whether a refresh token's user
    /// and grant are still good.
    pub fn new(
        verifier: Arc<AccessTokenVerifier>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        users: Arc<dyn UserRepository>,
        revocations: Arc<dyn RevocationRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            refresh_tokens,
            users,
            revocations,
            clock,
        }
    }

    /// Introspects an opaque refresh token: active while unused, unrevoked and unexpired, its
    /// grant not on the denylist and its user still there and enabled, as the refresh grant
    /// itself demands. The two extra reads happen only for a token that is otherwise live.
    async fn refresh_token(&self, token: &str) -> Result<IntrospectionResponse, RepositoryError> {
        let Some(stored) = self.refresh_tokens.find(&TokenDigest::of(token)).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        let rt = stored.token;
        if stored.used || stored.revoked || rt.is_expired(self.clock.now()) {
            return Ok(IntrospectionResponse::inactive());
        }
        if self
            .revocations
            .is_revoked(&grant_revocation_key(&rt.family_id))
            .await?
        {
            return Ok(IntrospectionResponse::inactive());
        }
        let enabled = self
            .users
            .find(&rt.user_id)
            .await?
            .is_some_and(|u| !u.disabled);
        if !enabled {
            return Ok(IntrospectionResponse::inactive());
        }
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(rt.scope.to_string()),
            client_id: Some(rt.client_id.to_string()),
            token_type: Some("refresh_token"),
            exp: Some(rt.expires_at.as_secs()),
            iat: None,
            sub: Some(rt.user_id.to_string()),
            aud: None,
            iss: None,
            jti: None,
        })
    }

    /// Introspects `token` for `caller`. Callers are authenticated confidential clients; the
    /// HTTP edge refuses public ones before calling this.
    pub async fn introspect(
        &self,
        caller: &Client,
        token: &str,
    ) -> Result<IntrospectionResponse, RepositoryError> {
        if token.split('.').count() != 3 {
            return self.refresh_token(token).await;
        }
        let Some(c) = self.verifier.verify_active(token).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        log::debug!(
            "client {} introspected an active token of {}",
            caller.id,
            c.client_id
        );
        Ok(IntrospectionResponse {
            active: true,
            scope: Some(c.scope),
            client_id: Some(c.client_id),
            token_type: Some("Bearer"),
            exp: Some(c.exp),
            iat: Some(c.iat),
            sub: Some(c.sub),
            aud: Some(c.aud),
            iss: Some(c.iss),
            jti: Some(c.jti),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::VerifyError;
    use crate::ports::{
        MockJwsEngine, MockRefreshTokenRepository, MockRevocationRepository, MockUserRepository,
        StoredRefreshToken, VerifiedJws,
    };
    use crate::services::access_tokens::tests::{claims_json, clock_at, engine_returning, ISS};
    use crate::services::client_authentication::tests::confidential;
    use crate::services::test_support as ts;
    use crate::IssuerSettings;
    use tessera_domain::{ClientId, RefreshToken, TokenEndpointAuthMethod, UnixTime, User};

    fn introspection(r: Result<VerifiedJws, VerifyError>, revoked: bool) -> Introspection {
        let mut rev = MockRevocationRepository::new();
        rev.expect_is_revoked().returning(move |_| Ok(revoked));
        let verifier = AccessTokenVerifier::new(
            Arc::new(engine_returning(r)),
            Arc::new(rev),
            clock_at(150),
            IssuerSettings::new(ISS),
        );
        Introspection::new(
            Arc::new(verifier),
            Arc::new(MockRefreshTokenRepository::new()),
            Arc::new(MockUserRepository::new()),
            Arc::new(MockRevocationRepository::new()),
            clock_at(150),
        )
    }

    /// Introspection of one live refresh token (family `fam`) whose user is `user` and whose
    /// grant is denylisted when `grant_revoked`.
    fn refresh_introspection(user: Option<User>, grant_revoked: bool) -> Introspection {
        let verifier = AccessTokenVerifier::new(
            Arc::new(MockJwsEngine::new()),
            Arc::new(MockRevocationRepository::new()),
            clock_at(150),
            IssuerSettings::new(ISS),
        );
        let mut refresh = MockRefreshTokenRepository::new();
        refresh.expect_find().returning(|d| {
            Ok(Some(StoredRefreshToken {
                token: RefreshToken {
                    digest: d.clone(),
                    family_id: "fam".into(),
                    client_id: ClientId::parse("web").unwrap(),
                    user_id: ts::user().id,
                    scope: ts::scope("openid offline_access"),
                    expires_at: UnixTime::from_secs(1_000),
                    family_expires_at: UnixTime::from_secs(2_000),
                    auth_time: UnixTime::from_secs(100),
                },
                used: false,
                used_at: None,
                replay: None,
                revoked: false,
            }))
        });
        let mut users = MockUserRepository::new();
        users.expect_find().returning(move |_| Ok(user.clone()));
        let mut rev = MockRevocationRepository::new();
        rev.expect_is_revoked()
            .withf(|k| k == "grant:fam")
            .returning(move |_| Ok(grant_revoked));
        Introspection::new(
            Arc::new(verifier),
            Arc::new(refresh),
            Arc::new(users),
            Arc::new(rev),
            clock_at(150),
        )
    }

    #[tokio::test]
    async fn a_live_refresh_token_of_an_enabled_user_is_active() {
        let r = refresh_introspection(Some(ts::user()), false)
            .introspect(&caller(), "opaque")
            .await
            .unwrap();
        assert!(r.active);
        assert_eq!(r.token_type, Some("refresh_token"));
        assert_eq!(r.sub.as_deref(), Some(ts::USER_ID));
    }

    #[tokio::test]
    async fn asvs_7_4_2_a_refresh_token_of_a_disabled_or_deleted_user_is_inactive() {
        let disabled = User {
            disabled: true,
            ..ts::user()
        };
        for user in [Some(disabled), None] {
            let r = refresh_introspection(user, false)
                .introspect(&caller(), "opaque")
                .await
                .unwrap();
            assert_eq!(r, IntrospectionResponse::inactive());
        }
    }

    #[tokio::test]
    async fn as_25_a_refresh_token_of_a_revoked_grant_is_inactive() {
        let r = refresh_introspection(Some(ts::user()), true)
            .introspect(&caller(), "opaque")
            .await
            .unwrap();
        assert_eq!(r, IntrospectionResponse::inactive());
    }

    fn caller() -> Client {
        confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s")
    }

    #[tokio::test]
    async fn active_token_reports_its_claims() {
        let ok = Ok(VerifiedJws {
            claims: claims_json(200, 100, ISS),
            kid: "k".into(),
        });
        let r = introspection(ok, false)
            .introspect(&caller(), "a.b.c")
            .await
            .unwrap();
        assert!(r.active);
        assert_eq!(r.client_id.as_deref(), Some("svc"));
        assert_eq!(r.scope.as_deref(), Some("read"));
        assert_eq!(r.token_type, Some("Bearer"));
        assert_eq!(r.exp, Some(200));
    }

    #[tokio::test]
    async fn revoked_or_bad_tokens_say_only_inactive() {
        let ok = Ok(VerifiedJws {
            claims: claims_json(200, 100, ISS),
            kid: "k".into(),
        });
        let r = introspection(ok, true)
            .introspect(&caller(), "a.b.c")
            .await
            .unwrap();
        assert_eq!(r, IntrospectionResponse::inactive());
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"active":false}"#);
        let r = introspection(Err(VerifyError::UnknownKey), false)
            .introspect(&caller(), "a.b.c")
            .await
            .unwrap();
        assert!(!r.active);
    }
}
