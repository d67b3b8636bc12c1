use crate::errors::CryptoError;
use crate::ports::{random_token, Clock, JwsEngine, RandomSource, RefreshTokenRepository};
use crate::services::ACCESS_TOKEN_TYP;
use crate::IssuerSettings;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    half_hash, AccessTokenClaims, AuthMethods, Client, Confirmation, GrantType, IdTokenClaims,
    Nonce, RefreshToken, ResourceIdentifier, ResourceTarget, ScopeSet, TokenDigest, UnixTime, User,
};

use super::TokenError;

/// The JWS `typ` of ID tokens.
pub const ID_TOKEN_TYP: &str = "JWT";

/// Tokens handed to a client for a user (RFC 6749 §5.1 plus `id_token`).
#[derive(Debug)]
pub struct TokenSet {
    /// RFC 9068 access token.
    pub access_token: SecretString,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// The access token's scope.
    pub scope: ScopeSet,
    /// The next refresh token, if the client may refresh.
    pub refresh_token: Option<SecretString>,
    /// The ID token, when `openid` was granted.
    pub id_token: Option<String>,
    /// The access token is bound to a DPoP key (`token_type` `DPoP`, RFC 9449 §5).
    pub dpop_bound: bool,
}

/// The grant a user gave a client, as the tokens issued from it carry it: who, to whom, which
/// scope, and when the user signed in.
pub struct UserGrant<'a> {
    /// The client.
    pub client: &'a Client,
    /// The user.
    pub user: &'a User,
    /// The grant id every token carries (its refresh family, the `gid` of its access tokens).
    pub grant_id: &'a str,
    /// Scope of the access token.
    pub scope: &'a ScopeSet,
    /// Scope of the whole grant, kept on refresh tokens.
    pub grant_scope: &'a ScopeSet,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// How the user authenticated (the ID token's `amr` and `acr`).
    pub amr: AuthMethods,
    /// Nonce for the ID token (code flow only).
    pub nonce: Option<&'a Nonce>,
    /// The resources (RFC 8707) this access token is for: its `aud`, and a cut of `scope`.
    pub target: &'a ResourceTarget,
    /// The resources of the whole grant, kept on refresh tokens.
    pub grant_resources: &'a [ResourceIdentifier],
    /// The browser session the grant came from (the ID token's `sid`), when known.
    pub sid: Option<&'a str>,
    /// The thumbprint of the DPoP key the request proved: the access token's `cnf.jkt`, and
    /// for a public client also its refresh token's binding (RFC 9449 §5).
    pub dpop_jkt: Option<&'a str>,
}

impl UserGrant<'_> {
    /// The access token's scope: `scope`, cut to what the target resources define.
    pub fn access_scope(&self) -> ScopeSet {
        self.target.cut_scope(self.scope)
    }
}

/// Signs access and ID tokens for users and mints refresh tokens; shared by the code and
/// refresh grants so both issue exactly the same shapes.
pub struct UserTokenIssuer {
    jws: Arc<dyn JwsEngine>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
}

impl UserTokenIssuer {
    /// Builds the issuer.
    pub fn new(
        jws: Arc<dyn JwsEngine>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            jws,
            refresh_tokens,
            clock,
            rng,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &IssuerSettings {
        &self.settings
    }

    /// Whether `client` gets a refresh token for `scope`: it must hold the grant, and a public
    /// client must also have been granted `offline_access`.
    pub fn wants_refresh_token(client: &Client, scope: &ScopeSet) -> bool {
        client.grant_types.contains(&GrantType::RefreshToken)
            && (!client.is_public() || scope.contains("offline_access"))
    }

    /// Signs the access token and, with `openid`, the ID token.
    pub fn sign(&self, g: &UserGrant<'_>) -> Result<(String, Option<String>), TokenError> {
        let now = self.clock.now();
        let lifetimes = &self.settings.lifetimes;
        let at = AccessTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: g.user.id.to_string(),
            aud: g.target.audience(&self.settings.audience),
            exp: now.plus(lifetimes.access_token).as_secs(),
            iat: now.as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            client_id: g.client.id.to_string(),
            scope: g.access_scope().to_string(),
            auth_time: Some(g.auth_time.as_secs()),
            grant_id: Some(g.grant_id.to_owned()),
            act: None,
            cnf: g.dpop_jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        };
        let access_token = self.jws.sign(ACCESS_TOKEN_TYP, &to_map(&at)?)?;
        if !g.scope.contains("openid") {
            return Ok((access_token, None));
        }
        let alg = self
            .jws
            .active_algorithm()
            .ok_or(CryptoError::NoActiveKey)?;
        let email = g.scope.contains("email");
        let id = IdTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: g.user.id.to_string(),
            aud: g.client.id.to_string(),
            exp: now.plus(lifetimes.id_token).as_secs(),
            iat: now.as_secs(),
            auth_time: g.auth_time.as_secs(),
            amr: g.amr.amr(),
            acr: g.amr.acr().as_str(),
            nonce: g.nonce.map(|n| n.as_str().to_owned()),
            at_hash: Some(half_hash(alg, &access_token)),
            azp: g.client.id.to_string(),
            email: email.then(|| g.user.email.to_string()),
            email_verified: email.then_some(g.user.email_verified),
            name: if g.scope.contains("profile") {
                g.user.name.clone()
            } else {
                None
            },
            sid: g.sid.map(str::to_owned),
        };
        let id_token = self.jws.sign(ID_TOKEN_TYP, &to_map(&id)?)?;
        Ok((access_token, Some(id_token)))
    }

    /// A fresh refresh token for a new family, stored before it is returned.
    pub async fn first_refresh_token(&self, g: &UserGrant<'_>) -> Result<SecretString, TokenError> {
        let now = self.clock.now();
        let lifetimes = &self.settings.lifetimes;
        let (token, rt) = self.mint_refresh(g, now.plus(lifetimes.refresh_absolute), now);
        self.refresh_tokens.insert(&rt).await?;
        Ok(token)
    }

    /// A successor link for a family (stored by the caller's atomic rotation).
    pub fn successor(
        &self,
        g: &UserGrant<'_>,
        family_expires_at: UnixTime,
    ) -> (SecretString, RefreshToken) {
        self.mint_refresh(g, family_expires_at, self.clock.now())
    }

    fn mint_refresh(
        &self,
        g: &UserGrant<'_>,
        family_expires_at: UnixTime,
        now: UnixTime,
    ) -> (SecretString, RefreshToken) {
        let token = random_token(self.rng.as_ref(), 32);
        let rt = RefreshToken {
            // RFC 9449 §5: only a public client's refresh token is bound; a confidential
            // client's is already bound to its credentials.
            dpop_jkt: if g.client.is_public() {
                g.dpop_jkt.map(str::to_owned)
            } else {
                None
            },
            digest: TokenDigest::of(&token),
            grant_id: g.grant_id.to_owned(),
            client_id: g.client.id.clone(),
            user_id: g.user.id.clone(),
            scope: g.grant_scope.clone(),
            expires_at: now
                .plus(self.settings.lifetimes.refresh_idle)
                .min(family_expires_at),
            family_expires_at,
            auth_time: g.auth_time,
            amr: g.amr,
            resources: g.grant_resources.to_vec(),
        };
        (SecretString::from(token), rt)
    }
}

fn to_map<T: serde::Serialize>(
    v: &T,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(CryptoError::backend("claims did not serialise").into()),
    }
}

#[cfg(test)]
mod tests;
