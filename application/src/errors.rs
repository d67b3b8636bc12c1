//! Errors shared by the ports.

/// Any error, boxed: what a port error keeps as its cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a repository can report. `Unavailable` is kept apart because it maps to
/// `503 + Retry-After` (fail closed, R-02) while the rest are server faults. The faults keep
/// their cause as `source()`; their Display repeats its text so a one-line log still says
/// what happened. No Display text carries a secret: the database adapter keeps passwords out.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The database could not be reached in time; the caller may retry later.
    #[error("the database is unavailable")]
    Unavailable,
    /// A uniqueness constraint refused the write.
    #[error("a record with that key already exists")]
    Conflict,
    /// A stored row could not be turned back into a domain value.
    #[error("stored data is invalid: {record}: {source}")]
    Corrupt {
        /// Which row and column (`user "…": email`).
        record: String,
        /// Why the stored value was refused (the parser's error).
        #[source]
        source: BoxError,
    },
    /// Any other failure of the store: the driver's error, or a message when there is none.
    #[error("database error: {0}")]
    Other(#[source] BoxError),
}

impl RepositoryError {
    /// `Other` keeping `cause` (an error, or a message as `String`/`&str`).
    pub fn other(cause: impl Into<BoxError>) -> Self {
        RepositoryError::Other(cause.into())
    }

    /// `Corrupt` for the value stored at `record`, refused because of `cause`.
    pub fn corrupt(record: impl Into<String>, cause: impl Into<BoxError>) -> Self {
        RepositoryError::Corrupt {
            record: record.into(),
            source: cause.into(),
        }
    }
}

/// What a crypto port can report.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// No active signing key is loaded.
    #[error("no active signing key")]
    NoActiveKey,
    /// A stored private key could not be decrypted: the configured secret key is not the one it
    /// was encrypted with, or the row was altered.
    #[error(
        "signing key {kid} cannot be decrypted: is secret_key the one the keys were made with?"
    )]
    Decrypt {
        /// The key (or other record) whose ciphertext was refused.
        kid: String,
        /// The cipher's error, when there is one beyond the refused tag.
        #[source]
        source: Option<BoxError>,
    },
    /// Any other failure of the crypto backend: the library's error, or a message when there
    /// is none. Its Display repeats the cause, which never holds key material.
    #[error("crypto failure: {0}")]
    Backend(#[source] BoxError),
}

impl CryptoError {
    /// `Backend` keeping `cause` (an error, or a message as `String`/`&str`).
    pub fn backend(cause: impl Into<BoxError>) -> Self {
        CryptoError::Backend(cause.into())
    }

    /// `Backend` for the step `what` that failed because of `cause`, keeping it as the source.
    pub fn failed(what: impl Into<String>, cause: impl Into<BoxError>) -> Self {
        CryptoError::Backend(Box::new(StepFailed {
            what: what.into(),
            source: cause.into(),
        }))
    }

    /// `Decrypt` of `kid`, keeping the cipher's error if there is one.
    pub fn decrypt(kid: impl Into<String>, cause: Option<BoxError>) -> Self {
        CryptoError::Decrypt {
            kid: kid.into(),
            source: cause,
        }
    }
}

/// One crypto step and the library error that stopped it: the context [`CryptoError::failed`]
/// adds without turning the cause into text.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {source}")]
struct StepFailed {
    what: String,
    #[source]
    source: BoxError,
}

/// Why a presented JWT is not accepted. Deliberately coarse: callers answer "inactive" or
/// `invalid_token` whatever the reason, and the reason goes only to debug logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a compact JWS, or its header or payload is not valid JSON.
    #[error("malformed token")]
    Malformed,
    /// The `alg` is not one Tessera signs with, or it does not match the key's.
    #[error("algorithm not allowed")]
    Algorithm,
    /// The `typ` is not the one expected (an ID token is not an access token).
    #[error("wrong token type")]
    Type,
    /// No published key has this `kid`.
    #[error("unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// The header carries key material or references (`jwk`, `jku`, `x5u`, `x5c`, `crit`).
    #[error("forbidden header parameter")]
    ForbiddenHeader,
}

/// Makes a text fit for `error_description`, whose characters RFC 6749 §5.2 limits to
/// printable ASCII without `"` and `\\`.
pub fn oauth_description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect()
}
