use std::sync::Arc;

use tessera_application::ports::{HousekeepingRepository, PurgeKind};
use tessera_application::RepositoryError;
use tessera_domain::UnixTime;

use super::*;

/// [`HousekeepingRepository`]: each kind's batch delete lives next to its table's other queries.
pub(super) struct DieselHousekeeping {
    pub(super) db: Arc<Inner>,
    pub(super) code_retention: i64,
    /// Seconds a dynamically registered client may stay unused.
    pub(super) unused_client_ttl: i64,
}

#[async_trait::async_trait]
impl HousekeepingRepository for DieselHousekeeping {
    async fn purge(
        &self,
        kind: PurgeKind,
        now: UnixTime,
        batch: u32,
    ) -> Result<u64, RepositoryError> {
        let batch = i64::from(batch.max(1));
        let db = self.db.clone();
        match kind {
            PurgeKind::AuthorizationCodes => {
                codes::DieselAuthorizationCodeRepository::new(db)
                    .purge_batch(now, self.code_retention, batch)
                    .await
            }
            PurgeKind::BrowserSessions => {
                sessions::DieselSessionRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::EmailTokens => {
                email_tokens::DieselEmailTokenRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::Denylist => {
                revocations::DieselRevocationRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::RefreshTokenFamilies => {
                refresh_tokens::DieselRefreshTokenRepository::new(db)
                    .purge_ended_families_batch(now, batch)
                    .await
            }
            PurgeKind::RevokedRefreshTokens => {
                refresh_tokens::DieselRefreshTokenRepository::new(db)
                    .purge_revoked_batch(now, batch)
                    .await
            }
            PurgeKind::DeviceAuthorizations => {
                device_authorizations::DieselDeviceAuthorizationRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::UsedJtis => {
                replay::DieselReplayCache::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::PushedRequests => {
                pushed_requests::DieselPushedRequestRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::Challenges => {
                challenges::DieselChallengeRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::SessionClients => {
                session_clients::DieselSessionClientRepository::new(db)
                    .purge_batch(now, batch)
                    .await
            }
            PurgeKind::LogoutDeliveries => {
                let cutoff = UnixTime::from_secs(
                    now.as_secs()
                        .saturating_sub(tessera_application::ports::LOGOUT_DELIVERY_RETENTION_SECS),
                );
                logout_deliveries::DieselLogoutDeliveryRepository::new(db)
                    .purge_batch(cutoff, batch)
                    .await
            }
            PurgeKind::UnusedClients => {
                let cutoff = UnixTime::from_secs(
                    now.as_secs().saturating_sub(self.unused_client_ttl.max(0)),
                );
                clients::DieselClientRepository::new(db)
                    .purge_unused_batch(cutoff, batch)
                    .await
            }
        }
    }
}
