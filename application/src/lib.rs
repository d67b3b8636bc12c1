//! Tessera's use cases. Each service in [`services`] does one job and reaches the world only
//! through the traits in [`ports`], so it runs the same against PostgreSQL, SQLite or mocks.
//!
//! Programs that embed Tessera can enable the `mocks` feature to get the `mockall` mocks of
//! every port for their own tests.

pub mod config;
pub mod errors;
pub mod oauth_error_code;
pub mod ports;
pub mod request_context;
pub mod services;

pub use config::IssuerSettings;
pub use errors::RepositoryError;
pub use oauth_error_code::OAuthErrorCode;
pub use request_context::RequestContext;
