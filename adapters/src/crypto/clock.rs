//! The system clock.

use std::time::{SystemTime, UNIX_EPOCH};
use tessera_application::ports::Clock;
use tessera_domain::UnixTime;

/// The operating system's wall clock, in whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        // A clock set before 1970 gives negative seconds rather than a panic.
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        UnixTime::from_secs(secs)
    }
}

#[cfg(test)]
mod tests;
