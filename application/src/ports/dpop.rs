use tessera_domain::{DpopProofClaims, UnixTime};

/// A DPoP proof whose header and signature checked out: the key's thumbprint and the claims,
/// which are still the caller's to compare with the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDpopProof {
    /// RFC 7638 SHA-256 thumbprint of the header's `jwk`, base64url.
    pub jkt: String,
    /// The proof's payload.
    pub claims: DpopProofClaims,
}

/// Why a proof's JWS was refused; every variant is answered `invalid_dpop_proof`, the variant
/// is for the description and the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopProofError {
    /// Not a compact JWS, or its header or payload is not the JSON a proof has.
    #[error("the DPoP proof is not a well-formed JWT")]
    Malformed,
    /// The header's `typ` is not `dpop+jwt`.
    #[error("the DPoP proof's typ must be dpop+jwt")]
    Type,
    /// `alg` is not on the allow-list (`none` and MACs never are).
    #[error("the DPoP proof's algorithm {0:?} is not allowed")]
    Algorithm(String),
    /// The header's `jwk` is missing, private, symmetric or unusable with `alg`.
    #[error("the DPoP proof's jwk must be a public key for its alg")]
    Key,
    /// The signature does not verify with the header's key.
    #[error("the DPoP proof's signature does not verify")]
    Signature,
}

/// Checks the JWS of a DPoP proof (RFC 9449 §4.3 items 2–8) with the key in its own header.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait DpopProofVerifier: Send + Sync {
    /// Verifies `proof` with `alg` one of `allowed`; the claims' values are not judged here.
    fn verify(
        &self,
        proof: &str,
        allowed: &[&'static str],
    ) -> Result<VerifiedDpopProof, DpopProofError>;
}

/// Server-provided DPoP nonces (RFC 9449 §8, §9), derived from the server's secret and the
/// time so that every process issues and accepts the same ones without shared state.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait DpopNonces: Send + Sync {
    /// The nonce to hand out at `now`.
    fn current(&self, now: UnixTime) -> String;
    /// True when `nonce` was handed out recently enough to be accepted at `now`.
    fn accepts(&self, nonce: &str, now: UnixTime) -> bool;
}
