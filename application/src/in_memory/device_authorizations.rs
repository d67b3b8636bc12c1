//! [`DeviceAuthorizationRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{DeviceApproval, DeviceAuthorization, DeviceStatus, TokenDigest, UnixTime};

use super::InMemoryStore;
use crate::ports::DeviceAuthorizationRepository;
use crate::RepositoryError;

#[async_trait]
impl DeviceAuthorizationRepository for InMemoryStore {
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        t.require_client(&device.client_id)?;
        let key = *device.device_code.as_bytes();
        let taken = t.device_authorizations.contains_key(&key)
            || t.device_authorizations
                .values()
                .any(|d| d.user_code == device.user_code);
        if taken {
            return Err(RepositoryError::Conflict);
        }
        t.device_authorizations.insert(key, device.clone());
        Ok(())
    }

    async fn find_by_device_code(
        &self,
        device_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.device_authorizations.get(device_code.as_bytes()).cloned())
    }

    async fn find_by_user_code(
        &self,
        user_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let t = self.lock()?;
        Ok(t.device_authorizations
            .values()
            .find(|d| d.user_code == *user_code)
            .cloned())
    }

    async fn record_poll(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
        interval: i64,
    ) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        if let Some(d) = t.device_authorizations.get_mut(device_code.as_bytes()) {
            d.last_polled_at = Some(now);
            d.interval = interval;
        }
        Ok(())
    }

    async fn decide<'a>(
        &self,
        user_code: &TokenDigest,
        approval: Option<&'a DeviceApproval>,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let mut t = self.lock()?;
        if let Some(a) = approval {
            t.require_user(&a.user_id)?;
        }
        let Some(d) = t
            .device_authorizations
            .values_mut()
            .find(|d| d.user_code == *user_code && d.awaits_decision(now))
        else {
            return Ok(false);
        };
        match approval {
            Some(a) => {
                d.status = DeviceStatus::Approved;
                d.approval = Some(a.clone());
            }
            None => d.status = DeviceStatus::Denied,
        }
        Ok(true)
    }

    async fn redeem(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let mut t = self.lock()?;
        Ok(
            match t.device_authorizations.get_mut(device_code.as_bytes()) {
                Some(d) if d.status == DeviceStatus::Approved && !d.is_expired(now) => {
                    d.status = DeviceStatus::Redeemed;
                    Some(d.clone())
                }
                _ => None,
            },
        )
    }
}
