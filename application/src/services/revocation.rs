use crate::ports::RevocationRepository;
use crate::services::fault_code::repository_fault_code;
use crate::services::AccessTokenVerifier;
use crate::{OAuthErrorCode, RepositoryError};
use std::sync::Arc;
use tessera_domain::{Client, UnixTime};

/// Why a revocation request is refused (RFC 7009 §2.2.1).
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The token was issued to another client (RFC 7009 §2.1: the AS verifies this).
    #[error("the token was not issued to this client")]
    NotOwner,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl RevokeError {
    /// `unauthorized_client` for another client's token (RFC 7009 §2.2.1), or the storage
    /// failure's code.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::NotOwner => OAuthErrorCode::UnauthorizedClient,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Token revocation (RFC 7009).
pub struct TokenRevocation {
    verifier: Arc<AccessTokenVerifier>,
    revocations: Arc<dyn RevocationRepository>,
}

impl TokenRevocation {
    /// Builds the service.
    pub fn new(
        verifier: Arc<AccessTokenVerifier>,
        revocations: Arc<dyn RevocationRepository>,
    ) -> Self {
        Self {
            verifier,
            revocations,
        }
    }

    /// Revokes `token` on behalf of `caller`. An invalid, expired or unknown token is not an
    /// error (RFC 7009 §2.2: the purpose of the request is already achieved). `Ok` is returned
    /// only after the denylist entry has been committed.
    pub async fn revoke(&self, caller: &Client, token: &str) -> Result<(), RevokeError> {
        let Some(claims) = self.verifier.verify_signed(token) else {
            return Ok(());
        };
        if claims.client_id != caller.id.as_str() {
            return Err(RevokeError::NotOwner);
        }
        self.revocations
            .revoke(&claims.jti, UnixTime::from_secs(claims.exp))
            .await?;
        log::info!("client {} revoked access token {}", caller.id, claims.jti);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
