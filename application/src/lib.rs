//! Tessera's use cases. Each service in [`services`] does one job and reaches the world only
//! through the traits in [`ports`], so it runs the same against PostgreSQL, SQLite or mocks.
//!
//! Programs that embed Tessera can enable the `mocks` feature to get the `mockall` mocks of
//! every port for their own tests.

#![deny(missing_docs)]

pub mod config;
pub mod errors;
#[cfg(any(test, feature = "in-memory"))]
pub mod in_memory;
pub mod oauth_error_code;
pub mod ports;
pub mod request_context;
pub mod services;

pub use config::IssuerSettings;
pub use errors::RepositoryError;
pub use oauth_error_code::OAuthErrorCode;
pub use request_context::RequestContext;
