use crate::errors::CryptoError;
use crate::ports::{random_token, Clock, JwsEngine, RandomSource};
use crate::services::ACCESS_TOKEN_TYP;
use crate::{IssuerSettings, RepositoryError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{AccessTokenClaims, Client, ClientRuleError, GrantType, ScopeSet};

/// A token response's content (RFC 6749 §5.1).
#[derive(Debug)]
pub struct IssuedToken {
    /// The access token.
    pub access_token: SecretString,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Scope granted.
    pub scope: ScopeSet,
}

/// Token-endpoint failures, in RFC 6749 §5.2 terms; the HTTP edge maps each to its code.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// `invalid_request`.
    #[error("{0}")]
    InvalidRequest(String),
    /// `invalid_scope`.
    #[error("{0}")]
    InvalidScope(String),
    /// `unauthorized_client`.
    #[error("{0}")]
    UnauthorizedClient(String),
    /// `invalid_grant`: a bad, expired, used or foreign code or refresh token.
    #[error("{0}")]
    InvalidGrant(String),
    /// Signing failed: a server fault.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<ClientRuleError> for TokenError {
    fn from(e: ClientRuleError) -> Self {
        match e {
            ClientRuleError::Scope(s) => TokenError::InvalidScope(s.to_string()),
            other => TokenError::UnauthorizedClient(other.to_string()),
        }
    }
}

/// The client credentials grant (RFC 6749 §4.4): an authenticated confidential client gets an
/// RFC 9068 access token about itself.
pub struct ClientCredentialsGrant {
    jws: Arc<dyn JwsEngine>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
}

impl ClientCredentialsGrant {
    /// Builds the service.
    pub fn new(
        jws: Arc<dyn JwsEngine>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            jws,
            clock,
            rng,
            settings,
        }
    }

    /// Issues a token for `client` (already authenticated) with `scope` if given, else the
    /// client's registered scope. Nothing is stored: the JWT is self-contained.
    pub fn issue(&self, client: &Client, scope: Option<&str>) -> Result<IssuedToken, TokenError> {
        client.ensure_grant(GrantType::ClientCredentials)?;
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
        let granted = client.grant_scope(requested.as_ref())?;
        let now = self.clock.now();
        let lifetime = self.settings.lifetimes.access_token;
        let claims = AccessTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: client.id.to_string(),
            aud: self.settings.audience.clone(),
            exp: now.plus(lifetime).as_secs(),
            iat: now.as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            client_id: client.id.to_string(),
            scope: granted.to_string(),
            auth_time: None,
            gid: None,
        };
        let claims = match serde_json::to_value(&claims) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(CryptoError::Backend("claims did not serialise".into()).into()),
        };
        let token = self.jws.sign(ACCESS_TOKEN_TYP, &claims)?;
        Ok(IssuedToken {
            access_token: SecretString::from(token),
            expires_in: lifetime,
            scope: granted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockJwsEngine, MockRandomSource};
    use crate::services::access_tokens::tests::{clock_at, ISS};
    use crate::services::client_authentication::tests::confidential;
    use secrecy::ExposeSecret;
    use tessera_domain::TokenEndpointAuthMethod;

    fn grant(jws: MockJwsEngine) -> ClientCredentialsGrant {
        let mut rng = MockRandomSource::new();
        rng.expect_fill().returning(|b| b.fill(7));
        ClientCredentialsGrant::new(
            Arc::new(jws),
            clock_at(1_000),
            Arc::new(rng),
            IssuerSettings::new(ISS),
        )
    }

    #[test]
    fn issues_rfc_9068_claims_with_default_scope() {
        let mut jws = MockJwsEngine::new();
        jws.expect_sign()
            .withf(|typ, c| {
                typ == "at+jwt"
                    && c["iss"] == ISS
                    && c["sub"] == "svc"
                    && c["client_id"] == "svc"
                    && c["aud"] == ISS
                    && c["iat"] == 1_000
                    && c["exp"] == 1_900
                    && c["scope"] == "read write"
                    && c["jti"].as_str().is_some_and(|j| j.len() == 22)
            })
            .returning(|_, _| Ok("signed".into()));
        let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
        let t = grant(jws).issue(&client, None).unwrap();
        assert_eq!(t.access_token.expose_secret(), "signed");
        assert_eq!(t.expires_in, 900);
        assert_eq!(t.scope.to_string(), "read write");
    }

    #[test]
    fn narrower_scope_is_granted_wider_is_invalid_scope() {
        let mut jws = MockJwsEngine::new();
        jws.expect_sign()
            .withf(|_, c| c["scope"] == "read")
            .returning(|_, _| Ok("t".into()));
        let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
        let g = grant(jws);
        assert_eq!(
            g.issue(&client, Some("read")).unwrap().scope.to_string(),
            "read"
        );
        assert!(matches!(
            g.issue(&client, Some("read admin")),
            Err(TokenError::InvalidScope(_))
        ));
        assert!(matches!(
            g.issue(&client, Some("bad\"scope")),
            Err(TokenError::InvalidScope(_))
        ));
    }

    #[test]
    fn client_without_the_grant_is_unauthorized() {
        let mut client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
        client.grant_types = vec![tessera_domain::GrantType::RefreshToken];
        assert!(matches!(
            grant(MockJwsEngine::new()).issue(&client, None),
            Err(TokenError::UnauthorizedClient(_))
        ));
    }

    #[test]
    fn signing_failure_is_a_server_error() {
        let mut jws = MockJwsEngine::new();
        jws.expect_sign()
            .returning(|_, _| Err(CryptoError::NoActiveKey));
        let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
        assert!(matches!(
            grant(jws).issue(&client, None),
            Err(TokenError::Crypto(_))
        ));
    }
}
