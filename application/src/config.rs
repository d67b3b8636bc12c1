//! Settings the use cases need, built once by the server from its configuration.

use tessera_domain::TokenLifetimes;

/// Who Tessera is and how long what it issues lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerSettings {
    /// The `iss` of every token, also the base of every advertised URL.
    pub issuer: String,
    /// Default `aud` of access tokens (RFC 9068 requires one).
    pub audience: String,
    /// Lifetimes of tokens and codes.
    pub lifetimes: TokenLifetimes,
}

impl IssuerSettings {
    /// Settings for `issuer`, with the issuer as the default audience and default lifetimes.
    pub fn new(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            audience: issuer.clone(),
            issuer,
            lifetimes: TokenLifetimes::default(),
        }
    }
}
