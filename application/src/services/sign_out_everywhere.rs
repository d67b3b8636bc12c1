use crate::ports::{Clock, RefreshTokenRepository, RevocationRepository, SessionRepository};
use crate::services::grant_revocation_key;
use crate::RepositoryError;
use std::sync::Arc;
use tessera_domain::UserId;

/// Ends everything a user is signed in with: browser sessions, every refresh-token family,
/// and (through a denylist entry per grant, kept as long as an access token can live) the
/// access tokens of those grants. Run after a password change or reset and before deleting
/// an account (RFC 9700 §4.14.2, ASVS 7.4.2).
pub struct SignOutEverywhere {
    sessions: Arc<dyn SessionRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    clock: Arc<dyn Clock>,
    access_token_lifetime: i64,
}

impl SignOutEverywhere {
    /// Builds the service; `access_token_lifetime` (seconds, skew included) bounds how long the
    /// grant denylist entries are kept.
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        clock: Arc<dyn Clock>,
        access_token_lifetime: i64,
    ) -> Self {
        Self {
            sessions,
            refresh_tokens,
            revocations,
            clock,
            access_token_lifetime,
        }
    }

    /// Signs `user` out everywhere; returns (sessions ended, grants revoked).
    pub async fn run(&self, user: &UserId) -> Result<(u64, usize), RepositoryError> {
        let sessions = self.sessions.delete_for_user(user).await?;
        let families = self.refresh_tokens.revoke_for_user(user).await?;
        let until = self.clock.now().plus(self.access_token_lifetime);
        for family in &families {
            self.revocations
                .revoke(&grant_revocation_key(family), until)
                .await?;
        }
        log::info!(
            "signed user {user} out everywhere: {sessions} sessions, {} grants",
            families.len()
        );
        Ok((sessions, families.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockRefreshTokenRepository, MockRevocationRepository, MockSessionRepository,
    };
    use crate::services::test_support::{self as ts, Recorder, USER_ID};
    use tessera_domain::UnixTime;

    #[tokio::test]
    async fn ends_sessions_refresh_families_and_their_access_tokens() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_delete_for_user()
            .withf(|u| u.as_str() == USER_ID)
            .times(1)
            .returning(|_| Ok(2));
        let mut refresh = MockRefreshTokenRepository::new();
        refresh
            .expect_revoke_for_user()
            .times(1)
            .returning(|_| Ok(vec!["f1".into(), "f2".into()]));
        let denied: Recorder<(String, UnixTime)> = Recorder::default();
        let d = denied.clone();
        let mut revocations = MockRevocationRepository::new();
        revocations.expect_revoke().returning(move |k, until| {
            d.push((k.to_owned(), until));
            Ok(())
        });
        let service = SignOutEverywhere::new(
            Arc::new(sessions),
            Arc::new(refresh),
            Arc::new(revocations),
            ts::clock_at(1_000),
            930,
        );
        let user = UserId::parse(USER_ID).unwrap();
        assert_eq!(service.run(&user).await.unwrap(), (2, 2));
        assert_eq!(
            denied.all(),
            vec![
                ("grant:f1".to_owned(), UnixTime::from_secs(1_930)),
                ("grant:f2".to_owned(), UnixTime::from_secs(1_930)),
            ]
        );
    }

    #[tokio::test]
    async fn a_storage_failure_is_reported_not_swallowed() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_delete_for_user()
            .returning(|_| Err(RepositoryError::Unavailable));
        let service = SignOutEverywhere::new(
            Arc::new(sessions),
            Arc::new(MockRefreshTokenRepository::new()),
            Arc::new(MockRevocationRepository::new()),
            ts::clock_at(1_000),
            930,
        );
        let user = UserId::parse(USER_ID).unwrap();
        assert!(matches!(
            service.run(&user).await,
            Err(RepositoryError::Unavailable)
        ));
    }
}
