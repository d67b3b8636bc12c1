//! [`LogoutDeliveryRepository`] in memory: one lock makes every claim atomic.

use async_trait::async_trait;
use tessera_domain::{LogoutDelivery, UnixTime};

use super::tables::DeliveryRow;
use super::InMemoryStore;
use crate::ports::LogoutDeliveryRepository;
use crate::RepositoryError;

#[async_trait]
impl LogoutDeliveryRepository for InMemoryStore {
    async fn enqueue(&self, deliveries: &[LogoutDelivery]) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        for d in deliveries {
            t.require_client(&d.client_id)?;
            if t.logout_deliveries.contains_key(&d.id) {
                return Err(RepositoryError::Conflict);
            }
        }
        for d in deliveries {
            t.logout_deliveries.insert(
                d.id.clone(),
                DeliveryRow {
                    delivery: LogoutDelivery {
                        attempts: 0,
                        ..d.clone()
                    },
                    delivered_at: None,
                    failed_at: None,
                },
            );
        }
        Ok(())
    }

    async fn claim_due(
        &self,
        now: UnixTime,
        lease_until: UnixTime,
        limit: u32,
    ) -> Result<Vec<LogoutDelivery>, RepositoryError> {
        let mut t = self.lock()?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut due: Vec<&mut DeliveryRow> = t
            .logout_deliveries
            .values_mut()
            .filter(|r| r.delivered_at.is_none() && r.failed_at.is_none())
            .filter(|r| r.delivery.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|r| r.delivery.next_attempt_at);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|r| {
                r.delivery.attempts = r.delivery.attempts.saturating_add(1);
                r.delivery.next_attempt_at = lease_until;
                r.delivery.clone()
            })
            .collect())
    }

    async fn delivered(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError> {
        if let Some(r) = self.lock()?.logout_deliveries.get_mut(id) {
            r.delivered_at = Some(now);
        }
        Ok(())
    }

    async fn retry_at(&self, id: &str, at: UnixTime) -> Result<(), RepositoryError> {
        if let Some(r) = self.lock()?.logout_deliveries.get_mut(id) {
            r.delivery.next_attempt_at = at;
        }
        Ok(())
    }

    async fn failed(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError> {
        if let Some(r) = self.lock()?.logout_deliveries.get_mut(id) {
            r.failed_at = Some(now);
        }
        Ok(())
    }
}
