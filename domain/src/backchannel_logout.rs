//! OpenID Connect Back-Channel Logout 1.0: the logout token, who must get one when a browser
//! session ends, and when a failed delivery is tried again.

use crate::{ClientId, UnixTime, UserId};
use serde::Serialize;

/// The JWS `typ` of logout tokens (§2.4): keeps them from being taken for ID tokens.
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";
/// The member of `events` that makes a JWT a logout token (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How long a logout token is valid: long enough for a slow relying party, short enough that a
/// captured one is soon useless.
pub const LOGOUT_TOKEN_LIFETIME_SECS: i64 = 120;
/// The longest wait between two attempts, however many failed.
pub const MAX_RETRY_DELAY_SECS: i64 = 3_600;

/// The `events` claim: one empty object under the back-channel logout event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogoutEvents {
    /// Always `{}`.
    #[serde(rename = "http://schemas.openid.net/event/backchannel-logout")]
    pub backchannel_logout: EmptyObject,
}

/// Serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmptyObject {}

/// Claims of a logout token (§2.4): `sub` and/or `sid`, never `nonce`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogoutTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The client id.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// Unique id, so the relying party can refuse a replay.
    pub jti: String,
    /// The logout event.
    pub events: LogoutEvents,
    /// The user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The session that ended, as its ID tokens named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// A client that was issued a code in a browser session: it gets a logout token when the
/// session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClient {
    /// The session's `sid`.
    pub sid: String,
    /// The client.
    pub client_id: ClientId,
    /// The session's user.
    pub user_id: UserId,
    /// When the session ends at the latest (the record is useless after).
    pub expires_at: UnixTime,
}

/// A logout token waiting to be POSTed, or done with (the queue's row). The token is signed at
/// send time, so a retry carries fresh `iat`/`exp` and the key then active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutDelivery {
    /// Random id of the row.
    pub id: String,
    /// The client to notify.
    pub client_id: ClientId,
    /// Its `backchannel_logout_uri` when the session ended.
    pub uri: String,
    /// The user signed out (`sub`).
    pub user_id: UserId,
    /// The session that ended (`sid`).
    pub sid: Option<String>,
    /// Attempts made so far (a claim counts one).
    pub attempts: u32,
    /// When the row may be claimed next.
    pub next_attempt_at: UnixTime,
    /// When the session ended.
    pub created_at: UnixTime,
}

/// Seconds to wait after failed attempt number `attempts` (1 for the first): `base` doubled
/// per earlier failure, capped at [`MAX_RETRY_DELAY_SECS`], plus up to half again as jitter
/// (`jitter_permille` of that half, 0..=1000) so a relying party coming back is not hit by
/// every queued token at once.
pub fn retry_delay_secs(base: i64, attempts: u32, jitter_permille: u16) -> i64 {
    let exponent = attempts.saturating_sub(1).min(30);
    let delay = base
        .max(1)
        .saturating_mul(1_i64 << exponent)
        .min(MAX_RETRY_DELAY_SECS);
    let jitter = delay / 2 * i64::from(jitter_permille.min(1000)) / 1000;
    delay.saturating_add(jitter)
}

#[cfg(test)]
mod tests;
