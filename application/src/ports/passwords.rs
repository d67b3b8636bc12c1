use async_trait::async_trait;
use secrecy::SecretString;

/// Why hashing could not be done.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many hashes are running or waiting: shed load with 503.
    #[error("the password hasher is saturated")]
    Busy,
    /// The stored hash is not a PHC string the hasher understands.
    #[error("stored password hash is invalid")]
    InvalidHash,
    /// Anything else.
    #[error("password hashing failed: {0}")]
    Backend(String),
}

/// The result of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    /// The password is right.
    pub matches: bool,
    /// The hash was made with other parameters than the current ones: store a new hash.
    pub needs_rehash: bool,
}

/// argon2id behind a concurrency cap, off the async executor.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a (normalised) password into a PHC string with the current parameters.
    async fn hash(&self, password: SecretString) -> Result<String, HashError>;
    /// Checks a password against a PHC string, in constant time.
    async fn verify(&self, password: SecretString, phc: &str) -> Result<PasswordCheck, HashError>;
    /// A valid hash of no one's password: verifying against it when the user does not exist
    /// costs the same time as a real check, so timing does not reveal which emails exist.
    fn dummy_hash(&self) -> String;
}
