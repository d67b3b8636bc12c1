//! The command implementations. Each returns its JSON output or a [`CommandError`] whose kind
//! decides the exit status of the contract: 2 for bad input, 1 for anything else.

pub mod apikey;
pub mod client;
pub mod keys;
pub mod resource;
pub mod upstream;
pub mod user;

use crate::wiring::WiringError;

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's input was refused (exit status 2).
    #[error("{0}")]
    BadInput(String),
    /// Anything else (exit status 1).
    #[error("{0}")]
    Failed(String),
}

impl CommandError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::BadInput(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

impl From<WiringError> for CommandError {
    fn from(e: WiringError) -> Self {
        Self::Failed(e.to_string())
    }
}
