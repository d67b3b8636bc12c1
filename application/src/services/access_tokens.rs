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
        if let Some(grant_id) = &c.grant_id {
            let key = super::code_grant::grant_revocation_key(grant_id);
            if self.revocations.is_revoked(&key).await? {
                return Ok(None);
            }
        }
        Ok(Some(c))
    }
}

#[cfg(test)]
pub(crate) mod tests;
