use crate::ports::UserRepository;
use crate::services::fault_code::repository_fault_code;
use crate::services::{AccessTokenVerifier, DpopError, DpopProofs};
use crate::{OAuthErrorCode, RepositoryError};
use serde_json::{json, Value};
use std::sync::Arc;
use tessera_domain::{AccessTokenClaims, ProofTarget, SecurityProfile, UserId};

/// How the access token came: `Authorization: Bearer`, or `Authorization: DPoP` with the
/// `DPoP` proof header, if any (RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresentedToken<'a> {
    /// A bearer token (header or form body).
    Bearer(&'a str),
    /// A DPoP-bound token with its proof.
    Dpop {
        /// The access token.
        token: &'a str,
        /// The `DPoP` header.
        proof: Option<&'a str>,
        /// The request's method, the proof's expected `htm`.
        method: &'a str,
    },
}

/// Why the UserInfo endpoint refuses (RFC 6750 §3.1 error codes).
#[derive(Debug, thiserror::Error)]
pub enum UserInfoError {
    /// Not a valid, active access token of a user: `401 invalid_token`.
    #[error("the access token is not valid")]
    InvalidToken,
    /// The token lacks the `openid` scope: `403 insufficient_scope`.
    #[error("the access token does not carry the openid scope")]
    InsufficientScope,
    /// A DPoP-bound token sent as a bearer token: `401 invalid_token` with a DPoP challenge.
    #[error("the access token is DPoP-bound: send it with Authorization: DPoP and a proof")]
    BoundTokenAsBearer,
    /// The proof is missing, refused, of another key, or lacks the nonce.
    #[error(transparent)]
    Dpop(DpopError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<DpopError> for UserInfoError {
    fn from(e: DpopError) -> Self {
        match e {
            DpopError::Repository(r) => Self::Repository(r),
            other => Self::Dpop(other),
        }
    }
}

impl UserInfoError {
    /// The RFC 6750 code of the refusal.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidToken => OAuthErrorCode::InvalidToken,
            Self::InsufficientScope => OAuthErrorCode::InsufficientScope,
            Self::BoundTokenAsBearer => OAuthErrorCode::InvalidToken,
            Self::Dpop(e) => e.code(),
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// OIDC Core §5.3: the claims about the user that the token's scope allows.
pub struct UserInfo {
    verifier: Arc<AccessTokenVerifier>,
    users: Arc<dyn UserRepository>,
    dpop: Option<(Arc<DpopProofs>, String)>,
}

impl UserInfo {
    /// Builds the service.
    pub fn new(verifier: Arc<AccessTokenVerifier>, users: Arc<dyn UserRepository>) -> Self {
        Self {
            verifier,
            users,
            dpop: None,
        }
    }

    /// The same service accepting DPoP-bound tokens, whose proofs must name `userinfo_url`.
    /// Without it bound tokens are refused.
    pub fn with_dpop(mut self, dpop: Arc<DpopProofs>, userinfo_url: String) -> Self {
        self.dpop = Some((dpop, userinfo_url));
        self
    }

    /// The DPoP proof checker, for the challenge's `algs` and the `DPoP-Nonce` header.
    pub fn dpop(&self) -> Option<&DpopProofs> {
        self.dpop.as_ref().map(|(d, _)| d.as_ref())
    }

    /// [`Self::claims`] for a token presented either way: a bound token (`cnf.jkt`) must come
    /// as `DPoP` with a proof of its key for this request (RFC 9449 §7.1), and a token sent as
    /// `DPoP` must be bound.
    pub async fn claims_presented(
        &self,
        presented: PresentedToken<'_>,
    ) -> Result<Value, UserInfoError> {
        let token = match presented {
            PresentedToken::Bearer(t) | PresentedToken::Dpop { token: t, .. } => t,
        };
        let claims = self
            .verifier
            .verify_active(token)
            .await?
            .ok_or(UserInfoError::InvalidToken)?;
        self.check_binding(&claims, presented).await?;
        self.claims_of(claims).await
    }

    async fn check_binding(
        &self,
        claims: &AccessTokenClaims,
        presented: PresentedToken<'_>,
    ) -> Result<(), UserInfoError> {
        let (cnf, token, proof, method) = match (&claims.cnf, presented) {
            (None, PresentedToken::Bearer(_)) => return Ok(()),
            (None, PresentedToken::Dpop { .. }) => return Err(UserInfoError::InvalidToken),
            (Some(_), PresentedToken::Bearer(_)) => return Err(UserInfoError::BoundTokenAsBearer),
            (
                Some(cnf),
                PresentedToken::Dpop {
                    token,
                    proof,
                    method,
                },
            ) => (cnf, token, proof, method),
        };
        let Some((dpop, url)) = &self.dpop else {
            return Err(UserInfoError::InvalidToken);
        };
        let proof = proof.ok_or(DpopError::Missing)?;
        let target = ProofTarget {
            method,
            uri: url,
            access_token: Some(token),
        };
        let jkt = dpop
            .check(proof, &target, SecurityProfile::Standard)
            .await?;
        if !cnf.matches(&jkt) {
            return Err(DpopError::WrongKey.into());
        }
        Ok(())
    }

    /// The claims for `token`: `sub` always, `name` with `profile`, `email` and
    /// `email_verified` with `email`. Only access tokens are accepted (their `typ` is checked).
    pub async fn claims(&self, token: &str) -> Result<Value, UserInfoError> {
        self.claims_presented(PresentedToken::Bearer(token)).await
    }

    async fn claims_of(&self, claims: AccessTokenClaims) -> Result<Value, UserInfoError> {
        let user_id = UserId::parse(&claims.sub).map_err(|_| UserInfoError::InvalidToken)?;
        let scope: Vec<&str> = claims.scope.split(' ').collect();
        if !scope.contains(&"openid") {
            return Err(UserInfoError::InsufficientScope);
        }
        let user = self
            .users
            .find(&user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(UserInfoError::InvalidToken)?;
        let mut out = serde_json::Map::new();
        out.insert("sub".into(), json!(user.id.as_str()));
        if scope.contains(&"profile") {
            if let Some(n) = &user.name {
                out.insert("name".into(), json!(n));
            }
        }
        if scope.contains(&"email") {
            out.insert("email".into(), json!(user.email.as_str()));
            out.insert("email_verified".into(), json!(user.email_verified));
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod dpop_tests;
#[cfg(test)]
mod tests;
