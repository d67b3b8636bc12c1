//! Time as a value passed in, never read from a clock here.

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, UTC. The domain never reads a clock: callers pass `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// Wraps a number of seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// The number of seconds since the epoch.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// This instant moved `secs` seconds later (saturating, so hostile inputs cannot overflow).
    pub const fn plus(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// True when `self` lies strictly before `other`.
    pub fn is_before(self, other: UnixTime) -> bool {
        self.0 < other.0
    }
}

#[cfg(test)]
mod tests;
