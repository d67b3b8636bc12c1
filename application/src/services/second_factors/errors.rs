use crate::errors::CryptoError;
use crate::ports::PasskeyError;
use crate::{OAuthErrorCode, RepositoryError};

/// Why a second-factor operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    /// The code (TOTP or recovery) is wrong, already used, or from a step already used.
    #[error("the code is not correct")]
    InvalidCode,
    /// Too many failures locked the account; a second factor is refused like a password.
    #[error("the account is locked for another {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends.
        retry_after_secs: i64,
    },
    /// TOTP is on already: turn it off before enrolling again.
    #[error("two-step sign-in with an authenticator app is already on")]
    AlreadyEnabled,
    /// There is no unconfirmed enrolment to confirm.
    #[error("start the enrolment first (POST /users/me/mfa/totp)")]
    NotEnrolling,
    /// The operation needs TOTP on.
    #[error("two-step sign-in with an authenticator app is not on")]
    NotEnabled,
    /// The pending sign-in step or ceremony is unknown, used already or expired.
    #[error("the sign-in step has expired or was already used; start again")]
    Expired,
    /// The passkey answer was refused (origin, challenge, signature, user verification,
    /// unknown credential, or a sign count that went backwards).
    #[error("the passkey was not accepted: {0}")]
    Passkey(#[source] PasskeyError),
    /// Passkeys need a host name for the issuer (browsers refuse WebAuthn on IP origins).
    #[error("passkeys are not available: the issuer has no host name")]
    PasskeysUnavailable,
    /// A passkey name must be 1 to 64 printable characters.
    #[error("a passkey name is 1 to 64 characters without control characters")]
    InvalidName,
    /// No passkey with this id belongs to the account.
    #[error("no such passkey")]
    NotFound,
    /// The account does not exist or is disabled.
    #[error("the account is not active")]
    NoAccount,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// Encryption or the WebAuthn library failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<PasskeyError> for SecondFactorError {
    fn from(e: PasskeyError) -> Self {
        match e {
            PasskeyError::Backend(c) => SecondFactorError::Crypto(c),
            other => SecondFactorError::Passkey(other),
        }
    }
}

impl SecondFactorError {
    /// The protocol error code the HTTP edge answers with.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidCode | Self::Passkey(_) => OAuthErrorCode::InvalidCredentials,
            Self::Locked { .. } => OAuthErrorCode::AccountLocked,
            Self::AlreadyEnabled | Self::NotEnrolling | Self::NotEnabled => {
                OAuthErrorCode::Conflict
            }
            Self::Expired => OAuthErrorCode::InvalidGrant,
            Self::PasskeysUnavailable | Self::InvalidName => OAuthErrorCode::InvalidRequest,
            Self::NotFound => OAuthErrorCode::NotFound,
            Self::NoAccount => OAuthErrorCode::InvalidToken,
            Self::Repository(RepositoryError::Unavailable) => {
                OAuthErrorCode::TemporarilyUnavailable
            }
            Self::Repository(_) | Self::Crypto(_) => OAuthErrorCode::ServerError,
        }
    }
}
