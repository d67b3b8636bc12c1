//! The device authorization grant (RFC 8628): the user code a person types on a second screen,
//! and the pending authorization a device polls for.

use crate::{AuthMethods, ClientId, ResourceIdentifier, ScopeSet, TokenDigest, UnixTime, UserId};
use std::fmt;

/// The letters of user codes: consonants only (RFC 8628 §6.1), so no word is spelled by
/// accident and none is mistaken for another (no vowels, so no `O`/`0` or `I`/`1`).
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// How many letters a user code has: 20^8 ≈ 2^34.6 codes, which with attempts throttled per
/// address and per browser leaves a guesser no real chance within a code's lifetime.
pub const USER_CODE_LEN: usize = 8;

/// How much the polling interval grows on each `slow_down` (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP_SECS: i64 = 5;

/// Why typed text is not a user code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a user code is 8 letters")]
pub struct UserCodeError;

/// A user code: 8 letters of [`USER_CODE_ALPHABET`], shown `XXXX-XXXX`.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    /// Reads a code as a person typed it: case, spaces and hyphens do not matter.
    pub fn parse(typed: &str) -> Result<Self, UserCodeError> {
        if typed.len() > 64 {
            return Err(UserCodeError);
        }
        let letters: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = letters.len() == USER_CODE_LEN
            && letters.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
        if valid {
            Ok(Self(letters))
        } else {
            Err(UserCodeError)
        }
    }

    /// A code from random bytes, without bias: bytes of 240 and above are skipped (240 is the
    /// largest multiple of 20 in a byte). `None` when fewer than 8 usable bytes were given.
    pub fn from_random(bytes: &[u8]) -> Option<Self> {
        let letters: String = bytes
            .iter()
            .filter(|b| **b < 240)
            .take(USER_CODE_LEN)
            .filter_map(|b| USER_CODE_ALPHABET.get(usize::from(*b % 20)))
            .map(|b| char::from(*b))
            .collect();
        (letters.len() == USER_CODE_LEN).then_some(Self(letters))
    }

    /// The 8 letters, as stored and compared.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as shown to people: `XXXX-XXXX`.
    pub fn display(&self) -> String {
        let (a, b) = self.0.split_at(USER_CODE_LEN / 2);
        format!("{a}-{b}")
    }

    /// The digest the code is stored and looked up by.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(&self.0)
    }
}

impl fmt::Debug for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserCode(..)")
    }
}

/// Where a device authorization stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Waiting for the person.
    Pending,
    /// The person allowed it; the device may redeem it once.
    Approved,
    /// The person refused it.
    Denied,
    /// Redeemed for tokens: nothing more comes of it.
    Redeemed,
}

impl DeviceStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Redeemed => "redeemed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "denied" => Some(Self::Denied),
            "redeemed" => Some(Self::Redeemed),
            _ => None,
        }
    }
}

/// Who approved a device authorization and how they had signed in, for the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceApproval {
    /// The person.
    pub user_id: UserId,
    /// When they authenticated.
    pub auth_time: UnixTime,
    /// How (the ID token's `amr` and `acr`).
    pub amr: AuthMethods,
}

/// One device authorization request (RFC 8628 §3.1), stored by the digests of its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// Digest of the device code the device polls with.
    pub device_code: TokenDigest,
    /// Digest of the user code the person types.
    pub user_code: TokenDigest,
    /// The client (device) that asked.
    pub client_id: ClientId,
    /// Scope asked for (within the client's).
    pub scope: ScopeSet,
    /// The resources (RFC 8707) named.
    pub resources: Vec<ResourceIdentifier>,
    /// Where it stands.
    pub status: DeviceStatus,
    /// Set once approved.
    pub approval: Option<DeviceApproval>,
    /// The least number of seconds between two polls.
    pub interval: i64,
    /// When the device last polled.
    pub last_polled_at: Option<UnixTime>,
    /// When it was asked for.
    pub created_at: UnixTime,
    /// When both codes stop working.
    pub expires_at: UnixTime,
}

impl DeviceAuthorization {
    /// True once the codes no longer work.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        !now.is_before(self.expires_at)
    }

    /// True when a poll at `now` comes sooner than the interval allows (RFC 8628 §3.5).
    pub fn polled_too_soon(&self, now: UnixTime) -> bool {
        self.last_polled_at
            .is_some_and(|last| now.as_secs().saturating_sub(last.as_secs()) < self.interval)
    }

    /// The interval after a `slow_down`: 5 seconds more (RFC 8628 §3.5).
    pub fn slowed_interval(&self) -> i64 {
        self.interval.saturating_add(SLOW_DOWN_STEP_SECS)
    }

    /// True when a person may still allow or deny it.
    pub fn awaits_decision(&self, now: UnixTime) -> bool {
        self.status == DeviceStatus::Pending && !self.is_expired(now)
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
