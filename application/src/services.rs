//! One service per use case.

mod access_tokens;
mod client_authentication;
mod client_credentials;
mod client_registration;
mod introspection;
mod revocation;
mod signing_keys;

pub use access_tokens::{AccessTokenVerifier, ACCESS_TOKEN_TYP};
pub use client_authentication::{
    AuthenticateClientError, ClientAuthenticator, PresentedCredentials,
};
pub use client_credentials::{ClientCredentialsGrant, IssuedToken, TokenError};
pub use client_registration::{ClientRegistry, NewClient, RegisterClientError, RegisteredClient};
pub use introspection::{Introspection, IntrospectionResponse};
pub use revocation::{RevokeError, TokenRevocation};
pub use signing_keys::{KeyError, KeyService};
