use crate::ports::{
    AuthorizationCodeRepository, Clock, CodeRedemption, RefreshTokenRepository,
    RevocationRepository, UserRepository,
};
use crate::services::resource_indicators::narrow_target;
use crate::services::user_tokens::{TokenSet, UserGrant, UserTokenIssuer};
use crate::services::{ResourceIndicators, TokenError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{Client, CodeVerifier, GrantType, TokenDigest, UnixTime};

/// The denylist key under which a whole grant is revoked.
pub fn grant_revocation_key(grant_id: &str) -> String {
    format!("grant:{grant_id}")
}

/// Revokes every token of a grant: its refresh family, and (through the denylist entry that
/// access-token checks consult) every access token carrying its `gid`.
pub(crate) async fn revoke_grant(
    grant_id: &str,
    until: UnixTime,
    refresh_tokens: &dyn RefreshTokenRepository,
    revocations: &dyn RevocationRepository,
) -> Result<(), TokenError> {
    refresh_tokens.revoke_family(grant_id).await?;
    revocations
        .revoke(&grant_revocation_key(grant_id), until)
        .await?;
    Ok(())
}

/// The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6, OAuth 2.1 §4.1.3).
pub struct AuthorizationCodeGrant {
    codes: Arc<dyn AuthorizationCodeRepository>,
    users: Arc<dyn UserRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    issuer: Arc<UserTokenIssuer>,
    clock: Arc<dyn Clock>,
    resources: Option<Arc<ResourceIndicators>>,
}

impl AuthorizationCodeGrant {
    /// Builds the service.
    pub fn new(
        codes: Arc<dyn AuthorizationCodeRepository>,
        users: Arc<dyn UserRepository>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        issuer: Arc<UserTokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            codes,
            users,
            refresh_tokens,
            revocations,
            issuer,
            clock,
            resources: None,
        }
    }

    /// The same grant honouring the codes' resources (RFC 8707) through `resources`.
    pub fn with_resources(self, resources: Arc<ResourceIndicators>) -> Self {
        Self {
            resources: Some(resources),
            ..self
        }
    }

    /// [`Self::exchange_for`] without `resource` parameters: the tokens are for every
    /// resource the authorization request named.
    pub async fn exchange(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        self.exchange_for(client, code, redirect_uri, code_verifier, &[])
            .await
    }

    /// Redeems `code` for `client` (already authenticated, or a public client by id). The code
    /// is marked used by one atomic statement before anything else is checked, so a second
    /// redemption always fails, and it revokes what the first one received. `resources`
    /// (RFC 8707 §2.2) may narrow the access token to some of the code's resources.
    pub async fn exchange_for(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
        resources: &[&str],
    ) -> Result<TokenSet, TokenError> {
        self.exchange_bound(client, code, redirect_uri, code_verifier, resources, None)
            .await
    }

    /// [`Self::exchange_for`] with the thumbprint of a checked DPoP proof, if any: the access
    /// token (and a public client's refresh token) is bound to that key (RFC 9449 §5).
    pub async fn exchange_bound(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
        resources: &[&str],
        dpop_jkt: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        client.ensure_grant(GrantType::AuthorizationCode)?;
        let now = self.clock.now();
        let invalid = |m: &str| TokenError::InvalidGrant(m.to_owned());
        let code = match self.codes.consume(&TokenDigest::of(code), now).await? {
            CodeRedemption::Redeemed(c) => *c,
            CodeRedemption::NotFound => return Err(invalid("the authorization code is not valid")),
            CodeRedemption::AlreadyUsed { grant_id } => {
                let lifetimes = &self.issuer.settings().lifetimes;
                let until = now.plus(lifetimes.refresh_absolute.max(lifetimes.access_token));
                revoke_grant(
                    &grant_id,
                    until,
                    self.refresh_tokens.as_ref(),
                    self.revocations.as_ref(),
                )
                .await?;
                log::warn!("authorization code reused: grant {grant_id} revoked");
                return Err(invalid("the authorization code was already used"));
            }
        };
        if code.client_id != client.id {
            return Err(invalid(
                "the authorization code was issued to another client",
            ));
        }
        if code.is_expired(now) {
            return Err(invalid("the authorization code has expired"));
        }
        match (&code.redirect_uri, redirect_uri) {
            (Some(expected), Some(given)) if expected.as_str() == given => {}
            (Some(_), _) => {
                return Err(invalid(
                    "redirect_uri does not match the authorization request",
                ))
            }
            (None, _) => {}
        }
        match (&code.code_challenge, code_verifier) {
            (Some(challenge), Some(v)) => {
                let verifier = CodeVerifier::parse(v).map_err(TokenError::InvalidVerifier)?;
                if !challenge.is_satisfied_by(&verifier) {
                    return Err(invalid("code_verifier does not match the code_challenge"));
                }
            }
            (Some(_), None) => {
                return Err(TokenError::InvalidRequest(
                    "code_verifier is required".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "code_verifier sent for a code issued without code_challenge",
                ))
            }
            (None, None) => {}
        }
        let user = self
            .users
            .find(&code.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| invalid("the user is no longer active"))?;
        let target = narrow_target(self.resources.as_deref(), &code.resources, resources).await?;
        let grant = UserGrant {
            dpop_jkt,
            target: &target,
            grant_resources: &code.resources,
            sid: code.sid.as_deref(),
            client,
            user: &user,
            grant_id: &code.grant_id,
            scope: &code.scope,
            grant_scope: &code.scope,
            auth_time: code.auth_time,
            amr: code.amr,
            nonce: code.nonce.as_ref(),
        };
        let (access_token, id_token) = self.issuer.sign(&grant)?;
        let refresh_token: Option<SecretString> =
            if UserTokenIssuer::wants_refresh_token(client, &code.scope) {
                Some(self.issuer.first_refresh_token(&grant).await?)
            } else {
                None
            };
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in: self.issuer.settings().lifetimes.access_token,
            scope: grant.access_scope(),
            refresh_token,
            id_token,
            dpop_bound: false,
        })
    }
}

#[cfg(test)]
mod tests;
