//! [`HousekeepingRepository`] in memory: the same conditions as the SQL batch deletes.

use std::sync::Arc;

use async_trait::async_trait;
use tessera_domain::{ClientOrigin, UnixTime};

use super::tables::Tables;
use super::InMemoryStore;
use crate::ports::{HousekeepingRepository, PurgeKind};
use crate::RepositoryError;

/// Purges the rows of an [`InMemoryStore`] that no longer matter.
#[derive(Debug, Clone)]
pub struct InMemoryHousekeeping {
    store: Arc<InMemoryStore>,
    /// How long (seconds) a redeemed code outlives its expiry: the access-token lifetime.
    code_retention: i64,
    /// How long (seconds) a dynamically registered client may stay unused.
    unused_client_ttl: i64,
}

impl InMemoryHousekeeping {
    /// Housekeeping of `store`, keeping redeemed codes `code_retention` seconds past expiry.
    pub fn new(store: Arc<InMemoryStore>, code_retention: i64) -> Self {
        Self {
            store,
            code_retention,
            unused_client_ttl: crate::ports::DEFAULT_UNUSED_CLIENT_TTL_SECS,
        }
    }

    /// The same, purging dynamically registered clients unused `secs` after registering.
    pub fn with_unused_client_ttl(mut self, secs: i64) -> Self {
        self.unused_client_ttl = secs;
        self
    }
}

/// Removes the first `batch` of the obsolete `keys` (the SQL `LIMIT`); returns how many.
fn purge_map<K>(keys: Vec<K>, batch: usize, mut remove: impl FnMut(&K)) -> u64 {
    let mut removed = 0u64;
    for key in keys.iter().take(batch) {
        remove(key);
        removed += 1;
    }
    removed
}

/// The digests of codes obsolete at `now`: expired and never redeemed, or redeemed and past
/// the retention with no live refresh token of their grant left.
fn obsolete_codes(t: &Tables, now: UnixTime, retention: i64) -> Vec<[u8; 32]> {
    let grant_over = UnixTime::from_secs(now.as_secs().saturating_sub(retention.max(0)));
    let live_family = |grant: &str| {
        t.refresh_tokens.values().any(|r| {
            r.token.grant_id == grant
                && !r.revoked
                && now.is_before(r.token.expires_at)
                && now.is_before(r.token.family_expires_at)
        })
    };
    t.codes
        .iter()
        .filter(|(_, row)| row.code.expires_at <= now)
        .filter(|(_, row)| {
            row.used_at.is_none()
                || (row.code.expires_at <= grant_over && !live_family(&row.code.grant_id))
        })
        .map(|(key, _)| *key)
        .collect()
}

#[async_trait]
impl HousekeepingRepository for InMemoryHousekeeping {
    async fn purge(
        &self,
        kind: PurgeKind,
        now: UnixTime,
        batch: u32,
    ) -> Result<u64, RepositoryError> {
        let batch = usize::try_from(batch.max(1)).unwrap_or(usize::MAX);
        let mut guard = self.store.lock()?;
        let t = &mut *guard;
        Ok(match kind {
            PurgeKind::AuthorizationCodes => {
                let dead = obsolete_codes(t, now, self.code_retention);
                purge_map(dead, batch, |k| {
                    t.codes.remove(k);
                })
            }
            PurgeKind::BrowserSessions => {
                let dead = t
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.sessions.remove(k);
                })
            }
            PurgeKind::EmailTokens => {
                let dead = t
                    .email_tokens
                    .iter()
                    .filter(|(_, tok)| tok.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.email_tokens.remove(k);
                })
            }
            PurgeKind::Denylist => {
                let dead = t
                    .revoked_jtis
                    .iter()
                    .filter(|(_, exp)| **exp <= now)
                    .map(|(k, _)| k.clone())
                    .collect();
                purge_map(dead, batch, |k| {
                    t.revoked_jtis.remove(k);
                })
            }
            PurgeKind::RefreshTokenFamilies => {
                let dead = t
                    .refresh_tokens
                    .iter()
                    .filter(|(_, r)| r.token.family_expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.refresh_tokens.remove(k);
                })
            }
            PurgeKind::RevokedRefreshTokens => {
                let dead = t
                    .refresh_tokens
                    .iter()
                    .filter(|(_, r)| r.revoked && r.token.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.refresh_tokens.remove(k);
                })
            }
            PurgeKind::DeviceAuthorizations => {
                let dead = t
                    .device_authorizations
                    .iter()
                    .filter(|(_, d)| d.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.device_authorizations.remove(k);
                })
            }
            PurgeKind::UsedJtis => {
                let dead = t
                    .used_jtis
                    .iter()
                    .filter(|(_, until)| **until <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.used_jtis.remove(k);
                })
            }
            PurgeKind::PushedRequests => {
                let dead = t
                    .pushed_requests
                    .iter()
                    .filter(|(_, r)| r.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.pushed_requests.remove(k);
                })
            }
            PurgeKind::Challenges => {
                let dead = t
                    .challenges
                    .iter()
                    .filter(|(_, c)| c.expires_at <= now)
                    .map(|(k, _)| *k)
                    .collect();
                purge_map(dead, batch, |k| {
                    t.challenges.remove(k);
                })
            }
            PurgeKind::SessionClients => {
                let dead = t
                    .session_clients
                    .iter()
                    .filter(|(_, e)| e.expires_at <= now)
                    .map(|(k, _)| k.clone())
                    .collect();
                purge_map(dead, batch, |k| {
                    t.session_clients.remove(k);
                })
            }
            PurgeKind::LogoutDeliveries => {
                let cutoff = UnixTime::from_secs(
                    now.as_secs()
                        .saturating_sub(crate::ports::LOGOUT_DELIVERY_RETENTION_SECS),
                );
                let dead = t
                    .logout_deliveries
                    .iter()
                    .filter(|(_, r)| {
                        r.delivered_at
                            .or(r.failed_at)
                            .is_some_and(|at| at <= cutoff)
                    })
                    .map(|(k, _)| k.clone())
                    .collect();
                purge_map(dead, batch, |k| {
                    t.logout_deliveries.remove(k);
                })
            }
            PurgeKind::UnusedClients => {
                let cutoff = now.as_secs().saturating_sub(self.unused_client_ttl.max(0));
                let dead: Vec<String> = t
                    .clients
                    .values()
                    .filter(|c| c.origin == ClientOrigin::Dynamic)
                    .filter(|c| c.created_at.as_secs() <= cutoff)
                    .filter(|c| !t.client_first_use.contains_key(c.id.as_str()))
                    .map(|c| c.id.as_str().to_owned())
                    .collect();
                let mut gone = Vec::new();
                let n = purge_map(dead, batch, |k| gone.push(k.clone()));
                for id in gone {
                    t.clients.remove(&id);
                    t.cascade_client(&id);
                }
                n
            }
        })
    }
}
