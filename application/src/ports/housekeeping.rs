use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::UnixTime;

/// A kind of row that stops mattering at some point and is deleted by housekeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurgeKind {
    /// Authorization codes past their expiry that never were redeemed, and redeemed ones once
    /// their grant is over (every access token of it expired, no live refresh token left):
    /// until then a replay must still revoke the grant (AS-16) and a sign-out must find it.
    AuthorizationCodes,
    /// Browser sessions past their expiry.
    BrowserSessions,
    /// Tokens of emailed links (verification, reset) past their expiry.
    EmailTokens,
    /// Denylisted access-token ids whose tokens have expired anyway.
    Denylist,
    /// Refresh tokens of families past their absolute end: nothing of the family can be
    /// redeemed, so reuse no longer needs detecting.
    RefreshTokenFamilies,
    /// Refresh tokens of revoked families that have also expired: reuse of them already
    /// changes nothing.
    RevokedRefreshTokens,
    /// Pending second-factor and passkey ceremonies past their expiry: they can no longer be
    /// taken anyway.
    Challenges,
    /// Device authorizations (RFC 8628) past their expiry: neither code works any more.
    DeviceAuthorizations,
    /// Single-use `jti`s (client assertions, DPoP proofs) past the time they could be
    /// replayed: the JWTs they came in are refused as expired anyway.
    UsedJtis,
    /// Pushed authorization requests (RFC 9126) past their expiry: their `request_uri` no
    /// longer works.
    PushedRequests,
    /// Dynamically registered clients (RFC 7591) never issued a code or a token within the
    /// configured time after registering ([`DEFAULT_UNUSED_CLIENT_TTL_SECS`]): abandoned or
    /// abusive registrations, with nothing hanging off them.
    UnusedClients,
    /// Records of the clients a browser session issued codes to, once the session is past its
    /// expiry (an expired session sends no logout tokens).
    SessionClients,
    /// Back-channel logout deliveries done with (sent or given up) for longer than
    /// [`LOGOUT_DELIVERY_RETENTION_SECS`].
    LogoutDeliveries,
}

/// How long a finished back-channel logout delivery is kept (for support questions) before
/// housekeeping deletes it: a week.
pub const LOGOUT_DELIVERY_RETENTION_SECS: i64 = 7 * 86_400;

/// How long a dynamically registered client may stay unused before housekeeping deletes it,
/// when not configured (`registration.unused_client_ttl_secs`): a day.
pub const DEFAULT_UNUSED_CLIENT_TTL_SECS: i64 = 86_400;

impl PurgeKind {
    /// Every kind, in the order a run purges them.
    pub const ALL: [PurgeKind; 13] = [
        PurgeKind::AuthorizationCodes,
        PurgeKind::BrowserSessions,
        PurgeKind::EmailTokens,
        PurgeKind::Denylist,
        PurgeKind::RefreshTokenFamilies,
        PurgeKind::RevokedRefreshTokens,
        PurgeKind::Challenges,
        PurgeKind::DeviceAuthorizations,
        PurgeKind::UsedJtis,
        PurgeKind::PushedRequests,
        PurgeKind::UnusedClients,
        PurgeKind::SessionClients,
        PurgeKind::LogoutDeliveries,
    ];

    /// A stable name for logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeKind::AuthorizationCodes => "authorization_codes",
            PurgeKind::BrowserSessions => "browser_sessions",
            PurgeKind::EmailTokens => "email_tokens",
            PurgeKind::Denylist => "denylist",
            PurgeKind::RefreshTokenFamilies => "refresh_token_families",
            PurgeKind::RevokedRefreshTokens => "revoked_refresh_tokens",
            PurgeKind::Challenges => "challenges",
            PurgeKind::DeviceAuthorizations => "device_authorizations",
            PurgeKind::UsedJtis => "used_jtis",
            PurgeKind::PushedRequests => "pushed_requests",
            PurgeKind::UnusedClients => "unused_clients",
            PurgeKind::SessionClients => "session_clients",
            PurgeKind::LogoutDeliveries => "logout_deliveries",
        }
    }
}

impl std::fmt::Display for PurgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Deletes rows that no longer matter, one small batch at a time, so that no statement holds
/// locks for long however large the backlog; the caller loops and yields in between.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HousekeepingRepository: Send + Sync {
    /// Deletes at most `batch` rows of `kind` that are obsolete at `now`, in one short
    /// transaction; returns how many. Fewer than `batch` means none are left.
    async fn purge(
        &self,
        kind: PurgeKind,
        now: UnixTime,
        batch: u32,
    ) -> Result<u64, RepositoryError>;
}
