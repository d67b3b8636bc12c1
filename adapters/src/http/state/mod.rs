//! Per-area handler state: each area's handlers get only the use cases and edge services they
//! use, behind traits where a handler test with `actix_web::test::init_service` and mocks is
//! worth it.

mod accounts;
mod admin;
mod browser_flow;
mod operations;
#[cfg(test)]
pub(crate) mod test_support;
mod token_endpoints;
mod upstream;

pub use accounts::AccountState;
pub use admin::AdminState;
pub use browser_flow::{
    AuthorizeFlow, BrowserFlowState, BrowserSessions, LoginPageSignIn, LogoutPlanner, PasskeyAnswer,
};
pub use operations::OperationsState;
pub use token_endpoints::{
    ClientAuthentication, TokenEndpoints, TokenGrants, TokenIntrospector, TokenRevoker,
};
pub use upstream::{UpstreamList, UpstreamState, UPSTREAM_LIST_TTL};
