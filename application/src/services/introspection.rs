use crate::ports::{Clock, RefreshTokenRepository};
use crate::services::AccessTokenVerifier;
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
    clock: Arc<dyn Clock>,
}

impl Introspection {
    /// Builds the service.
    pub fn new(
        verifier: Arc<AccessTokenVerifier>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            refresh_tokens,
            clock,
        }
    }

    /// Introspects an opaque refresh token: active while unused, unrevoked and unexpired.
    async fn refresh_token(&self, token: &str) -> Result<IntrospectionResponse, RepositoryError> {
        let Some(stored) = self.refresh_tokens.find(&TokenDigest::of(token)).await? else {
            return Ok(IntrospectionResponse::inactive());
        };
        let rt = stored.token;
        if stored.used || stored.revoked || rt.is_expired(self.clock.now()) {
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
    use crate::ports::{MockRevocationRepository, VerifiedJws};
    use crate::services::access_tokens::tests::{claims_json, clock_at, engine_returning, ISS};
    use crate::services::client_authentication::tests::confidential;
    use crate::IssuerSettings;
    use tessera_domain::TokenEndpointAuthMethod;

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
            Arc::new(crate::ports::MockRefreshTokenRepository::new()),
            clock_at(150),
        )
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
