use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{DeviceApproval, DeviceAuthorization, TokenDigest, UnixTime};

/// Device authorizations (RFC 8628), stored by the digests of their device and user codes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DeviceAuthorizationRepository: Send + Sync {
    /// Stores a new one; `Conflict` when either code's digest is taken (the caller draws
    /// new codes).
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepositoryError>;
    /// The one with this device code, whatever its status.
    async fn find_by_device_code(
        &self,
        device_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError>;
    /// The one with this user code, whatever its status.
    async fn find_by_user_code(
        &self,
        user_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError>;
    /// Records a poll at `now` and the interval in force from then on (grown after a
    /// `slow_down`).
    async fn record_poll(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
        interval: i64,
    ) -> Result<(), RepositoryError>;
    /// Approves (with `approval`) or, without it, denies the one with this user code, in ONE
    /// conditional statement: only a pending one not expired at `now` changes. True when it did.
    async fn decide<'a>(
        &self,
        user_code: &TokenDigest,
        approval: Option<&'a DeviceApproval>,
        now: UnixTime,
    ) -> Result<bool, RepositoryError>;
    /// Marks an approved, unexpired one redeemed and returns it, in ONE conditional statement,
    /// so that of any number of parallel polls exactly one gets the tokens.
    async fn redeem(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError>;
}
