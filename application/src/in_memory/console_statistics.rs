//! [`ConsoleStatistics`] in memory: the same counts, from the tables.

use async_trait::async_trait;
use std::collections::BTreeMap;
use tessera_domain::{AuditAction, UnixTime};

use super::InMemoryStore;
use crate::ports::{ConsoleStatistics, HourlyCount, LockedAccount};
use crate::RepositoryError;

#[async_trait]
impl ConsoleStatistics for InMemoryStore {
    async fn hourly_counts(
        &self,
        actions: &[AuditAction],
        since: UnixTime,
        until: UnixTime,
    ) -> Result<Vec<HourlyCount>, RepositoryError> {
        let t = self.lock()?;
        let mut counts = BTreeMap::new();
        for e in t
            .audit
            .values()
            .filter(|e| actions.contains(&e.action) && e.at >= since && e.at < until)
        {
            let hour = e.at.as_secs().div_euclid(3600) * 3600;
            counts
                .entry((hour, e.action.as_str(), e.outcome.as_str()))
                .or_insert(HourlyCount {
                    hour,
                    action: e.action,
                    outcome: e.outcome,
                    count: 0,
                })
                .count += 1;
        }
        Ok(counts.into_values().collect())
    }

    async fn active_sessions(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let t = self.lock()?;
        Ok(t.sessions.values().filter(|s| s.expires_at > now).count() as u64)
    }

    async fn locked_accounts(
        &self,
        now: UnixTime,
        limit: u32,
    ) -> Result<(u64, Vec<LockedAccount>), RepositoryError> {
        let t = self.lock()?;
        let mut locked: Vec<LockedAccount> = t
            .users
            .values()
            .filter_map(|u| {
                let until = u.login_attempts.locked_until?;
                (until > now).then(|| LockedAccount {
                    id: u.id.clone(),
                    email: u.email.as_str().to_owned(),
                    locked_until: until,
                })
            })
            .collect();
        locked
            .sort_by(|a, b| (a.locked_until, a.id.as_str()).cmp(&(b.locked_until, b.id.as_str())));
        let total = locked.len() as u64;
        locked.truncate(limit as usize);
        Ok((total, locked))
    }
}
