use crate::errors::VerifyError;
use crate::ports::{Clock, JwsEngine, RevocationRepository};
use crate::{IssuerSettings, RepositoryError};
use std::sync::Arc;
use tessera_domain::AccessTokenClaims;

/// The JWS `typ` of access tokens (RFC 9068 §2.1); ID tokens carry another, so one can never
/// be used as the other.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Decides whether a presented access token is valid now: signature by a published key with an
/// allowed algorithm, `typ`, issuer, expiry, and the revocation denylist.
pub struct AccessTokenVerifier {
    jws: Arc<dyn JwsEngine>,
    revocations: Arc<dyn RevocationRepository>,
    clock: Arc<dyn Clock>,
    settings: IssuerSettings,
}

impl AccessTokenVerifier {
    /// Builds the service.
    pub fn new(
        jws: Arc<dyn JwsEngine>,
        revocations: Arc<dyn RevocationRepository>,
        clock: Arc<dyn Clock>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            jws,
            revocations,
            clock,
            settings,
        }
    }

    /// The token's claims if its signature, type, issuer and lifetime check out, ignoring
    /// revocation. Tokens that fail are logged at debug level by reason, never by content.
    pub fn verify_signed(&self, token: &str) -> Option<AccessTokenClaims> {
        let now = self.clock.now();
        let verified = match self.jws.verify(token, ACCESS_TOKEN_TYP, now) {
            Ok(v) => v,
            Err(e) => {
                log::debug!("access token refused: {e}");
                return None;
            }
        };
        let claims: AccessTokenClaims =
            match serde_json::from_value(serde_json::Value::Object(verified.claims)) {
                Ok(c) => c,
                Err(_) => {
                    log::debug!("access token refused: {}", VerifyError::Malformed);
                    return None;
                }
            };
        let lifetimes = &self.settings.lifetimes;
        if claims.iss != self.settings.issuer
            || claims.is_expired(now)
            || claims.is_from_the_future(now, lifetimes.clock_skew)
        {
            log::debug!("access token refused: issuer or lifetime");
            return None;
        }
        Some(claims)
    }

    /// Like [`Self::verify_signed`], and also not revoked.
    pub async fn verify_active(
        &self,
        token: &str,
    ) -> Result<Option<AccessTokenClaims>, RepositoryError> {
        let Some(c) = self.verify_signed(token) else {
            return Ok(None);
        };
        if self.revocations.is_revoked(&c.jti).await? {
            return Ok(None);
        }
        if let Some(gid) = &c.gid {
            let key = super::code_grant::grant_revocation_key(gid);
            if self.revocations.is_revoked(&key).await? {
                return Ok(None);
            }
        }
        Ok(Some(c))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ports::{MockClock, MockJwsEngine, MockRevocationRepository, VerifiedJws};
    use tessera_domain::UnixTime;

    pub(crate) const ISS: &str = "https://id.example";

    pub(crate) fn claims_json(
        exp: i64,
        iat: i64,
        iss: &str,
    ) -> serde_json::Map<String, serde_json::Value> {
        let v = serde_json::json!({
            "iss": iss, "sub": "svc", "aud": ISS, "exp": exp, "iat": iat,
            "jti": "jti-1", "client_id": "svc", "scope": "read"
        });
        v.as_object().unwrap().clone()
    }

    pub(crate) fn clock_at(t: i64) -> Arc<MockClock> {
        let mut c = MockClock::new();
        c.expect_now().return_const(UnixTime::from_secs(t));
        Arc::new(c)
    }

    pub(crate) fn engine_returning(r: Result<VerifiedJws, VerifyError>) -> MockJwsEngine {
        let mut jws = MockJwsEngine::new();
        jws.expect_verify()
            .withf(|_, typ, _| typ == ACCESS_TOKEN_TYP)
            .returning(move |_, _, _| r.clone());
        jws
    }

    fn verifier(jws: MockJwsEngine, revoked: bool, now: i64) -> AccessTokenVerifier {
        let mut rev = MockRevocationRepository::new();
        rev.expect_is_revoked().returning(move |_| Ok(revoked));
        AccessTokenVerifier::new(
            Arc::new(jws),
            Arc::new(rev),
            clock_at(now),
            IssuerSettings::new(ISS),
        )
    }

    fn ok(exp: i64, iat: i64, iss: &str) -> Result<VerifiedJws, VerifyError> {
        Ok(VerifiedJws {
            claims: claims_json(exp, iat, iss),
            kid: "k".into(),
        })
    }

    #[tokio::test]
    async fn valid_token_is_active() {
        let v = verifier(engine_returning(ok(200, 100, ISS)), false, 150);
        assert_eq!(v.verify_active("t").await.unwrap().unwrap().jti, "jti-1");
    }

    #[tokio::test]
    async fn revoked_expired_future_foreign_and_unverifiable_tokens_are_not() {
        assert!(verifier(engine_returning(ok(200, 100, ISS)), true, 150)
            .verify_active("t")
            .await
            .unwrap()
            .is_none());
        assert!(verifier(engine_returning(ok(200, 100, ISS)), false, 200)
            .verify_active("t")
            .await
            .unwrap()
            .is_none());
        assert!(verifier(engine_returning(ok(300, 190, ISS)), false, 150)
            .verify_active("t")
            .await
            .unwrap()
            .is_none());
        assert!(
            verifier(engine_returning(ok(200, 100, "https://evil")), false, 150)
                .verify_active("t")
                .await
                .unwrap()
                .is_none()
        );
        for e in [
            VerifyError::Signature,
            VerifyError::Algorithm,
            VerifyError::UnknownKey,
            VerifyError::ForbiddenHeader,
        ] {
            assert!(verifier(engine_returning(Err(e)), false, 150)
                .verify_active("t")
                .await
                .unwrap()
                .is_none());
        }
    }

    #[tokio::test]
    async fn payload_without_required_claims_is_refused() {
        let mut claims = claims_json(200, 100, ISS);
        claims.remove("jti");
        let v = verifier(
            engine_returning(Ok(VerifiedJws {
                claims,
                kid: "k".into(),
            })),
            false,
            150,
        );
        assert!(v.verify_signed("t").is_none());
    }
}
