//! `nonce` (OIDC Core §3.1.2.1) and `state` (RFC 6749 §4.1.1): opaque client values echoed back.

/// Why a nonce is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("nonce must be 1 to 512 printable ASCII characters")]
pub struct NonceError;

/// Why a state is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state must be 1 to 2048 printable ASCII characters")]
pub struct StateError;

fn vschar(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// A nonce: binds an ID token to the client session that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce(String);

impl Nonce {
    /// Parses a nonce: printable ASCII (VSCHAR and space), bounded so it cannot bloat tokens.
    pub fn parse(s: &str) -> Result<Self, NonceError> {
        if vschar(s, 512) {
            Ok(Self(s.to_owned()))
        } else {
            Err(NonceError)
        }
    }

    /// The nonce as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A state value: the client's CSRF protection, echoed back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    /// Parses a state value (RFC 6749 Appendix A.5: VSCHAR).
    pub fn parse(s: &str) -> Result<Self, StateError> {
        if vschar(s, 2048) {
            Ok(Self(s.to_owned()))
        } else {
            Err(StateError)
        }
    }

    /// The state as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;
