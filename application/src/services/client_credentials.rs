use crate::errors::CryptoError;
use crate::ports::{random_token, Clock, JwsEngine, RandomSource};
use crate::services::resource_indicators::resolve_target;
use crate::services::{ResourceIndicators, TokenError, ACCESS_TOKEN_TYP};
use crate::IssuerSettings;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    AccessTokenClaims, Client, Confirmation, GrantType, ResourceTarget, ScopeSet,
};

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

/// The client credentials grant (RFC 6749 §4.4): an authenticated confidential client gets an
/// RFC 9068 access token about itself.
pub struct ClientCredentialsGrant {
    jws: Arc<dyn JwsEngine>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
    resources: Option<Arc<ResourceIndicators>>,
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
            resources: None,
        }
    }

    /// The same grant accepting `resource` parameters (RFC 8707) through `resources`.
    pub fn with_resources(mut self, resources: Arc<ResourceIndicators>) -> Self {
        self.resources = Some(resources);
        self
    }

    /// [`Self::issue`] for the registered resources `resources` names (RFC 8707): the token's
    /// `aud` is them and its scope is cut to what they define. Unknown ones are
    /// `invalid_target`.
    pub async fn issue_for(
        &self,
        client: &Client,
        scope: Option<&str>,
        resources: &[&str],
    ) -> Result<IssuedToken, TokenError> {
        self.issue_bound(client, scope, resources, None).await
    }

    /// [`Self::issue_for`] with the thumbprint of a checked DPoP proof, if any: the token's
    /// `cnf.jkt` (RFC 9449 §6.1).
    pub async fn issue_bound(
        &self,
        client: &Client,
        scope: Option<&str>,
        resources: &[&str],
        dpop_jkt: Option<&str>,
    ) -> Result<IssuedToken, TokenError> {
        client.ensure_grant(GrantType::ClientCredentials)?;
        let target = resolve_target(self.resources.as_deref(), resources).await?;
        self.issue_to(client, scope, &target, dpop_jkt)
    }

    /// Issues a token for `client` (already authenticated) with `scope` if given, else the
    /// client's registered scope. Nothing is stored: the JWT is self-contained.
    pub fn issue(&self, client: &Client, scope: Option<&str>) -> Result<IssuedToken, TokenError> {
        self.issue_to(client, scope, &ResourceTarget::default(), None)
    }

    fn issue_to(
        &self,
        client: &Client,
        scope: Option<&str>,
        target: &ResourceTarget,
        dpop_jkt: Option<&str>,
    ) -> Result<IssuedToken, TokenError> {
        client.ensure_grant(GrantType::ClientCredentials)?;
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(TokenError::InvalidScope)?;
        let granted = target.cut_scope(&client.grant_scope(requested.as_ref())?);
        let now = self.clock.now();
        let lifetime = self.settings.lifetimes.access_token;
        let claims = AccessTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: client.id.to_string(),
            aud: target.audience(&self.settings.audience),
            exp: now.plus(lifetime).as_secs(),
            iat: now.as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            client_id: client.id.to_string(),
            scope: granted.to_string(),
            auth_time: None,
            grant_id: None,
            act: None,
            cnf: dpop_jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        };
        let claims = match serde_json::to_value(&claims) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(CryptoError::backend("claims did not serialise").into()),
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
mod tests;
