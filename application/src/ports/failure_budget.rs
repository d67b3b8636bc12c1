//! How many failed credential checks one address may make before it is refused outright.

use async_trait::async_trait;
use std::net::IpAddr;

/// The failure budget of one kind of credential check (e.g. the admin API), kept per address
/// by the edge that sees the addresses (the rate limiter). An address without budget is refused
/// before its credential is looked at, so guessing ends even when the guess is finally right.
/// Async because the budget may be shared between processes (kept in Redis).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FailureBudget: Send + Sync {
    /// `Err(seconds to wait)` when `ip` has no failures left; an unknown address always passes.
    async fn check(&self, ip: Option<IpAddr>) -> Result<(), u64>;
    /// Spends one failure of `ip`.
    async fn failed(&self, ip: Option<IpAddr>);
}
