//! [`AuditRepository`] in memory.

use async_trait::async_trait;
use tessera_domain::{AuditEvent, UnixTime};

use super::InMemoryStore;
use crate::ports::{AuditFilter, AuditRepository, StoredAuditEvent};
use crate::RepositoryError;

/// Most events one listing returns, as the SQL repository caps it.
const MAX_LIST: u32 = 500;

/// True when `event` passes every condition `filter` sets.
fn matches(filter: &AuditFilter, event: &AuditEvent) -> bool {
    let same = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
    };
    filter.action.is_none_or(|a| event.action == a)
        && filter.outcome.is_none_or(|o| event.outcome == o)
        && same(&filter.subject, &event.subject)
        && same(&filter.actor, &event.actor)
        && same(&filter.client_id, &event.client_id)
        && filter.since.is_none_or(|s| event.at >= s)
        && filter.until.is_none_or(|u| event.at < u)
}

#[async_trait]
impl AuditRepository for InMemoryStore {
    async fn insert_batch(&self, events: &[AuditEvent]) -> Result<(), RepositoryError> {
        let mut t = self.lock()?;
        for event in events {
            t.last_audit_id += 1;
            let id = t.last_audit_id;
            t.audit.insert(id, event.clone());
        }
        Ok(())
    }

    async fn list(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        let t = self.lock()?;
        let limit = usize::try_from(limit.min(MAX_LIST)).unwrap_or(usize::MAX);
        Ok(t.audit
            .iter()
            .rev()
            .filter(|(id, _)| before.is_none_or(|b| **id < b))
            .filter(|(_, event)| matches(filter, event))
            .take(limit)
            .map(|(id, event)| StoredAuditEvent {
                id: *id,
                event: event.clone(),
            })
            .collect())
    }

    async fn purge_before(&self, t: UnixTime, _batch: u32) -> Result<u64, RepositoryError> {
        // One critical section stands for the SQL batches: nothing else runs in between.
        let mut tables = self.lock()?;
        let before = tables.audit.len();
        tables.audit.retain(|_, event| event.at >= t);
        Ok((before - tables.audit.len()) as u64)
    }
}
