//! Account lockout against password guessing (ASVS 5.0 6.1.1 / 6.3.1, ASVS 4.0.3 2.2.1):
//! after `threshold` consecutive failed sign-ins an account is locked for a delay that doubles
//! with every lockout, up to a ceiling, and a successful sign-in forgets it all.
//!
//! The rules are pure: the state is a [`LoginAttempts`] value, the caller passes `now`, and the
//! storage makes each step atomic.

use crate::UnixTime;

/// Seconds in the window of the "at most 100 failed attempts per hour" rule.
const HOUR: i64 = 3600;

/// How many failures lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock the account (at least 1).
    pub threshold: u32,
    /// Length of the first lock, in seconds; each further lock lasts twice the one before.
    pub base_secs: i64,
    /// Longest lock, in seconds: the bound on what an attacker can do to the account's owner.
    pub max_secs: i64,
}

impl Default for LockoutPolicy {
    /// 5 failures; locks of 1, 2, 4 … minutes, never more than an hour.
    fn default() -> Self {
        Self {
            threshold: 5,
            base_secs: 60,
            max_secs: 3600,
        }
    }
}

impl LockoutPolicy {
    /// The length of the lock that follows `lockouts` earlier ones since the last successful
    /// sign-in: `min(base × 2^lockouts, max)`, never negative, never overflowing.
    pub fn delay_secs(&self, lockouts: u32) -> i64 {
        let base = self.base_secs.max(0);
        let max = self.max_secs.max(0);
        let doubled = if lockouts >= 63 {
            i64::MAX
        } else {
            base.saturating_mul(1i64 << lockouts)
        };
        doubled.min(max)
    }

    /// The most failed sign-ins this policy lets anyone make on one account within any hour:
    /// an attacker who tries again the moment each lock ends. Delays never shrink, so the
    /// first hour from a clean state is the worst one. `u64::MAX` when a lock can be zero
    /// seconds long (no bound at all).
    pub fn max_failures_per_hour(&self) -> u64 {
        let threshold = u64::from(self.threshold.max(1));
        let (mut at, mut lockouts, mut failures) = (0i64, 0u32, 0u64);
        while at < HOUR {
            failures = failures.saturating_add(threshold);
            let delay = self.delay_secs(lockouts);
            if delay <= 0 {
                return u64::MAX;
            }
            at = at.saturating_add(delay);
            lockouts = lockouts.saturating_add(1);
        }
        failures
    }
}

/// The failed sign-ins of one account since its last successful one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginAttempts {
    /// Failures counted towards the next lock.
    pub failed: u32,
    /// The account refuses every sign-in strictly before this instant.
    pub locked_until: Option<UnixTime>,
    /// Locks so far; sets the length of the next one.
    pub lockouts: u32,
}

impl LoginAttempts {
    /// True while the account refuses sign-ins.
    pub fn is_locked(&self, now: UnixTime) -> bool {
        self.locked_until.is_some_and(|until| now.is_before(until))
    }

    /// Whole seconds until the lock ends (at least 1), or `None` when not locked.
    pub fn retry_after_secs(&self, now: UnixTime) -> Option<i64> {
        self.locked_until
            .filter(|until| now.is_before(*until))
            .map(|until| until.as_secs().saturating_sub(now.as_secs()).max(1))
    }

    /// The state once one more failure is counted at `now`. Reaching the threshold locks the
    /// account for [`LockoutPolicy::delay_secs`] and starts counting afresh; a lock already
    /// running is never shortened. Failures counted while locked (requests that raced the
    /// lock) count like any other, so no attempt goes unmetered.
    pub fn after_failure(&self, now: UnixTime, policy: &LockoutPolicy) -> LoginAttempts {
        let running = self.locked_until.filter(|until| now.is_before(*until));
        let failed = self.failed.saturating_add(1);
        if failed < policy.threshold.max(1) {
            return LoginAttempts {
                failed,
                locked_until: running,
                lockouts: self.lockouts,
            };
        }
        let until = now.plus(policy.delay_secs(self.lockouts));
        LoginAttempts {
            failed: 0,
            locked_until: Some(running.map_or(until, |r| r.max(until))),
            lockouts: self.lockouts.saturating_add(1),
        }
    }

    /// The state after a successful sign-in: nothing counted, no lock.
    pub fn after_success() -> LoginAttempts {
        LoginAttempts::default()
    }

    /// Whether a sign-in attempt may be answered on its merits. The attempt read the account
    /// as `self` (unlocked), then counted itself as a failure before its password check was
    /// known, which stored `counted`. It may be answered when the account was still unlocked
    /// at the moment it was counted: `counted` is unlocked, or is exactly what this one
    /// failure makes of `self`. Otherwise other attempts were counted in between and locked
    /// the account, and this one gets the locked answer whatever its password: racing
    /// requests cannot get more password checks answered than the threshold allows.
    pub fn admits(&self, counted: &LoginAttempts, now: UnixTime, policy: &LockoutPolicy) -> bool {
        !self.is_locked(now)
            && (!counted.is_locked(now) || *counted == self.after_failure(now, policy))
    }
}

#[cfg(test)]
mod tests;
