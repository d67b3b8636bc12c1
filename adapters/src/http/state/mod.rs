//! Per-area handler state: each area's handlers get what they need and nothing else, with
//! its use cases behind traits.

mod browser_flow;
#[cfg(test)]
pub(crate) mod test_support;

pub use browser_flow::{
    AuthorizeFlow, BrowserFlowState, BrowserSessions, LoginPageSignIn, LogoutPlanner,
};
