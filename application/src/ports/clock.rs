use tessera_domain::UnixTime;

/// Wall-clock time, injected so expiry rules can be tested at any instant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> UnixTime;
}
