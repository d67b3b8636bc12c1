//! DPoP proofs (RFC 9449) checked for the token endpoint and the resource endpoints: the JWS
//! through the [`DpopProofVerifier`] port, the claims by the domain rules, the server nonce,
//! and the `jti` single use across processes through the [`ReplayCache`].

use crate::ports::{Clock, DpopNonces, DpopProofError, DpopProofVerifier, ReplayCache, ReplayKind};
use crate::{OAuthErrorCode, RepositoryError};
use std::sync::Arc;
use tessera_domain::SecurityProfile;
use tessera_domain::{dpop_algorithms, dpop_required, Client, DpopRuleError, ProofTarget};

/// Default seconds either side of now a proof's `iat` may lie.
pub const DEFAULT_DPOP_IAT_WINDOW_SECS: i64 = 60;

/// How proofs are judged, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpopSettings {
    /// Proofs must carry a server nonce (`dpop.nonce`).
    pub nonce_required: bool,
    /// Seconds either side of now a proof's `iat` may lie (`dpop.iat_window_secs`).
    pub iat_window_secs: i64,
    /// The server's profile: FAPI 2.0 requires proofs of every client and narrows algorithms.
    pub profile: SecurityProfile,
}

impl Default for DpopSettings {
    fn default() -> Self {
        Self {
            nonce_required: false,
            iat_window_secs: DEFAULT_DPOP_IAT_WINDOW_SECS,
            profile: SecurityProfile::Standard,
        }
    }
}

/// Why a proof is refused.
#[derive(Debug, thiserror::Error)]
pub enum DpopError {
    /// The client must send a proof and sent none.
    #[error("this client must send a DPoP proof")]
    Missing,
    /// The JWS does not check out.
    #[error(transparent)]
    Jws(#[from] DpopProofError),
    /// The claims do not fit the request.
    #[error(transparent)]
    Claims(#[from] DpopRuleError),
    /// The `jti` was used before.
    #[error("the DPoP proof was already used")]
    Replayed,
    /// The proof's key is not the one the token or refresh token is bound to.
    #[error("the DPoP proof's key is not the key the token is bound to")]
    WrongKey,
    /// The nonce is missing or no longer accepted: retry with the one in `DPoP-Nonce`.
    #[error("the DPoP proof must carry the nonce from the DPoP-Nonce header")]
    UseNonce,
    /// The replay cache failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl DpopError {
    /// The protocol code: `use_dpop_nonce`, `invalid_dpop_proof`, or a storage fault.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::UseNonce => OAuthErrorCode::UseDpopNonce,
            Self::Repository(e) => super::fault_code::repository_fault_code(e),
            _ => OAuthErrorCode::InvalidDpopProof,
        }
    }
}

/// Checks DPoP proofs and hands out nonces.
pub struct DpopProofs {
    verifier: Arc<dyn DpopProofVerifier>,
    nonces: Arc<dyn DpopNonces>,
    replay: Arc<dyn ReplayCache>,
    clock: Arc<dyn Clock>,
    settings: DpopSettings,
}

impl DpopProofs {
    /// Builds the service.
    pub fn new(
        verifier: Arc<dyn DpopProofVerifier>,
        nonces: Arc<dyn DpopNonces>,
        replay: Arc<dyn ReplayCache>,
        clock: Arc<dyn Clock>,
        settings: DpopSettings,
    ) -> Self {
        Self {
            verifier,
            nonces,
            replay,
            clock,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &DpopSettings {
        &self.settings
    }

    /// Whether `client` must bind its tokens (`require_dpop` or FAPI 2.0).
    pub fn required_for(&self, client: &Client) -> bool {
        dpop_required(client, self.settings.profile)
    }

    /// The algorithms proofs may use (for discovery and `WWW-Authenticate`): the server's.
    pub fn algorithms(&self) -> &'static [&'static str] {
        dpop_algorithms(self.settings.profile)
    }

    /// The nonce to send in `DPoP-Nonce`, when nonces are configured.
    pub fn nonce(&self) -> Option<String> {
        self.settings
            .nonce_required
            .then(|| self.nonces.current(self.clock.now()))
    }

    /// Checks `proof` for a request shaped like `target` from a client held to `profile`, and
    /// returns the thumbprint of its key. Order per RFC 9449 §4.3: signature, claims, nonce,
    /// then the `jti` is spent (so a proof refused for its nonce can be fixed, not replayed).
    pub async fn check(
        &self,
        proof: &str,
        target: &ProofTarget<'_>,
        profile: SecurityProfile,
    ) -> Result<String, DpopError> {
        let allowed = dpop_algorithms(profile.max(self.settings.profile));
        let verified = self.verifier.verify(proof, allowed)?;
        let now = self.clock.now();
        let window = self.settings.iat_window_secs;
        verified.claims.check(target, now, window)?;
        if self.settings.nonce_required {
            let fresh = verified
                .claims
                .nonce
                .as_deref()
                .is_some_and(|n| self.nonces.accepts(n, now));
            if !fresh {
                return Err(DpopError::UseNonce);
            }
        }
        let first = self
            .replay
            .first_use(
                ReplayKind::DpopProof,
                &verified.jkt,
                &verified.claims.jti,
                verified.claims.remember_until(window),
                now,
            )
            .await?;
        if !first {
            return Err(DpopError::Replayed);
        }
        Ok(verified.jkt)
    }
}

#[cfg(test)]
mod tests;
