//! Grant types (RFC 6749 §4, OAuth 2.1).

use std::fmt;

/// Why a `grant_type` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported grant_type {0:?}")]
pub struct GrantTypeError(pub String);

/// The grants Tessera knows. Implicit and password grants are absent on purpose: OAuth 2.1 and
/// RFC 9700 §2.4 remove them, so they cannot even be named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantType {
    /// RFC 6749 §4.1 with PKCE.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 8628 §3.4: a device without a browser polls with its `device_code`.
    DeviceCode,
    /// RFC 8693: a token is exchanged for another (impersonation or delegation).
    TokenExchange,
}

impl GrantType {
    /// Parses the wire name of a grant.
    pub fn parse(s: &str) -> Result<Self, GrantTypeError> {
        match s {
            "authorization_code" => Ok(Self::AuthorizationCode),
            "refresh_token" => Ok(Self::RefreshToken),
            "client_credentials" => Ok(Self::ClientCredentials),
            Self::DEVICE_CODE => Ok(Self::DeviceCode),
            Self::TOKEN_EXCHANGE => Ok(Self::TokenExchange),
            other => Err(GrantTypeError(other.to_owned())),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::DeviceCode => Self::DEVICE_CODE,
            Self::TokenExchange => Self::TOKEN_EXCHANGE,
        }
    }

    /// The RFC 8628 §3.4 grant type URN.
    pub const DEVICE_CODE: &'static str = "urn:ietf:params:oauth:grant-type:device_code";
    /// The RFC 8693 §2.1 grant type URN.
    pub const TOKEN_EXCHANGE: &'static str = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// Every grant Tessera implements, for discovery.
    pub const ALL: [GrantType; 5] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::DeviceCode,
        Self::TokenExchange,
    ];
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
