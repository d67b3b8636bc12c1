//! A person's signed-in browser.

use crate::{AuthMethods, TokenDigest, UnixTime, UserId};

/// A browser session: the cookie holds a random 256-bit id, the store holds only its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSession {
    /// Digest of the cookie value.
    pub digest: TokenDigest,
    /// The session's public id (OIDC `sid`): random, unrelated to the cookie, kept across a
    /// step-up so relying parties can match a back-channel logout to their own session.
    pub sid: String,
    /// Who signed in.
    pub user_id: UserId,
    /// When they authenticated (OIDC `auth_time`).
    pub auth_time: UnixTime,
    /// Absolute expiry.
    pub expires_at: UnixTime,
    /// How they authenticated (`amr`), and so the level reached (`acr`); a step-up replaces
    /// the session with one that records the stronger methods.
    pub amr: AuthMethods,
}

impl BrowserSession {
    /// True once the session can no longer be used.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        !now.is_before(self.expires_at)
    }

    /// True when the authentication is recent enough for `max_age` seconds (OIDC Core
    /// §3.1.2.1); `max_age=0` always demands a new login.
    pub fn satisfies_max_age(&self, max_age: Option<i64>, now: UnixTime) -> bool {
        match max_age {
            None => true,
            Some(m) => m > 0 && now.as_secs().saturating_sub(self.auth_time.as_secs()) <= m,
        }
    }
}

#[cfg(test)]
mod tests;
