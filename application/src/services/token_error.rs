//! Why the token endpoint refuses a grant (RFC 6749 §5.2), shared by every grant type.

use super::fault_code::repository_fault_code;
use crate::errors::CryptoError;
use crate::{OAuthErrorCode, RepositoryError};
use tessera_domain::{ClientRuleError, PkceError, ScopeError};

/// Token-endpoint failures, in RFC 6749 §5.2 terms. [`TokenError::code`] names the protocol
/// code; `Display` is the `error_description` for the caller's faults and the log line for the
/// server's.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// `invalid_request`: a parameter is missing or out of place.
    #[error("{0}")]
    InvalidRequest(String),
    /// `invalid_request`: the `code_verifier` is not an RFC 7636 verifier.
    #[error("{0}")]
    InvalidVerifier(#[source] PkceError),
    /// `invalid_scope`: the requested scope does not parse or exceeds what may be granted.
    #[error("{0}")]
    InvalidScope(#[source] ScopeError),
    /// `unauthorized_client`: the token was not issued to the calling client.
    #[error("{0}")]
    UnauthorizedClient(String),
    /// `unauthorized_client`: the client's registration does not allow this grant.
    #[error("{0}")]
    ClientNotAllowed(#[source] ClientRuleError),
    /// `invalid_target` (RFC 8707 §2): a `resource` value that is malformed, unknown or
    /// outside what was granted.
    #[error("{0}")]
    InvalidTarget(String),
    /// `invalid_grant`: a bad, expired, used or foreign code or refresh token.
    #[error("{0}")]
    InvalidGrant(String),
    /// `authorization_pending` (RFC 8628 §3.5): the person has not answered yet.
    #[error("the person has not answered yet")]
    AuthorizationPending,
    /// `slow_down` (RFC 8628 §3.5): polled sooner than the interval; it grew by 5 seconds.
    #[error("polling too fast: wait 5 seconds more between polls")]
    SlowDown,
    /// `access_denied` (RFC 8628 §3.5): the person refused.
    #[error("the person denied the request")]
    AccessDenied,
    /// `expired_token` (RFC 8628 §3.5): the device code has expired.
    #[error("the device code has expired")]
    ExpiredToken,
    /// `server_error`: the response kept for a refresh retry could not be written.
    #[error("the refresh replay does not serialise: {0}")]
    ReplayEncoding(#[source] serde_json::Error),
    /// `server_error`: a kept refresh replay opened but holds a scope that does not parse.
    #[error("the refresh replay holds a bad scope: {0}")]
    ReplayScope(#[source] ScopeError),
    /// `server_error`: signing or sealing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed: `temporarily_unavailable` or `server_error`.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// `invalid_dpop_proof` or `use_dpop_nonce` (RFC 9449 §5.2, §8): the proof is missing
    /// though required, or refused.
    #[error(transparent)]
    Dpop(#[from] crate::services::DpopError),
}

impl TokenError {
    /// The protocol error code this failure is answered with.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidRequest(_) | Self::InvalidVerifier(_) => OAuthErrorCode::InvalidRequest,
            Self::InvalidScope(_) => OAuthErrorCode::InvalidScope,
            Self::UnauthorizedClient(_) | Self::ClientNotAllowed(_) => {
                OAuthErrorCode::UnauthorizedClient
            }
            Self::InvalidGrant(_) => OAuthErrorCode::InvalidGrant,
            Self::InvalidTarget(_) => OAuthErrorCode::InvalidTarget,
            Self::AuthorizationPending => OAuthErrorCode::AuthorizationPending,
            Self::SlowDown => OAuthErrorCode::SlowDown,
            Self::AccessDenied => OAuthErrorCode::AccessDenied,
            Self::ExpiredToken => OAuthErrorCode::ExpiredToken,
            Self::ReplayEncoding(_) | Self::ReplayScope(_) | Self::Crypto(_) => {
                OAuthErrorCode::ServerError
            }
            Self::Repository(e) => repository_fault_code(e),
            Self::Dpop(e) => e.code(),
        }
    }
}

impl From<crate::services::TargetError> for TokenError {
    fn from(e: crate::services::TargetError) -> Self {
        match e {
            crate::services::TargetError::Invalid(m) => TokenError::InvalidTarget(m),
            crate::services::TargetError::Repository(r) => TokenError::Repository(r),
        }
    }
}

impl From<ClientRuleError> for TokenError {
    /// A scope beyond the registration is `invalid_scope`; any other rule the client breaks
    /// (a grant it did not register) is `unauthorized_client`.
    fn from(e: ClientRuleError) -> Self {
        match e {
            ClientRuleError::Scope(s) => TokenError::InvalidScope(s),
            other => TokenError::ClientNotAllowed(other),
        }
    }
}

#[cfg(test)]
mod tests;
