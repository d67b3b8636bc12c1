//! Response types of the authorization endpoint (RFC 6749 §3.1.1, OIDC Core §3).

/// Why a `response_type` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseTypeError {
    /// Implicit or hybrid flows (`token`, `id_token`, combinations): removed by OAuth 2.1.
    #[error("response_type {0:?} is not supported; use \"code\"")]
    Unsupported(String),
    /// Not a response type at all.
    #[error("response_type {0:?} is not valid")]
    Invalid(String),
}

/// The one response type OAuth 2.1 keeps: `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code flow.
    Code,
}

impl ResponseType {
    /// Parses a space-separated response type; anything but `code` alone is refused, with
    /// known implicit/hybrid values told apart so the error can be `unsupported_response_type`.
    pub fn parse(s: &str) -> Result<Self, ResponseTypeError> {
        if s == "code" {
            return Ok(Self::Code);
        }
        let known = !s.is_empty()
            && s.split(' ')
                .all(|p| matches!(p, "code" | "token" | "id_token" | "none"));
        if known {
            Err(ResponseTypeError::Unsupported(s.to_owned()))
        } else {
            Err(ResponseTypeError::Invalid(s.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests;
