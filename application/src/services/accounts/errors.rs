//! Why a sign-in or an account creation fails.

use crate::RepositoryError;
use tessera_domain::{EmailError, PasswordError};

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password or disabled account: one answer for all (no enumeration).
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// The account is locked after too many failed sign-ins; whatever the password, try again
    /// in `retry_after_secs`. Pages must answer it exactly like [`Self::InvalidCredentials`]:
    /// only existing accounts lock, so telling it apart would reveal that the email exists.
    #[error("the account is locked for another {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends (at least 1).
        retry_after_secs: i64,
    },
    /// The hasher is saturated: 503.
    #[error("too many sign-ins at once, try again shortly")]
    Busy,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// The hasher failed.
    #[error("password check failed: {0}")]
    Hasher(String),
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Bad email.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// Password breaks the rules.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A display name that is empty, too long or has control characters.
    #[error("name must be 1 to 200 printable characters")]
    Name,
    /// The email is taken.
    #[error("an account with this email already exists")]
    Duplicate,
    /// Too many hashes at once: 503.
    #[error("too many accounts are being created at once, try again shortly")]
    Busy,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hasher(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(RepositoryError),
}
