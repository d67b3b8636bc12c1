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
mod tests {
    use super::*;

    const T0: i64 = 1_000_000;

    fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(T0 + secs)
    }

    fn failures(n: u32, now: UnixTime, policy: &LockoutPolicy) -> LoginAttempts {
        (0..n).fold(LoginAttempts::default(), |a, _| {
            a.after_failure(now, policy)
        })
    }

    #[test]
    fn default_policy_is_5_failures_1_minute_doubling_to_1_hour() {
        let p = LockoutPolicy::default();
        assert_eq!((p.threshold, p.base_secs, p.max_secs), (5, 60, 3600));
        let delays: Vec<i64> = (0..9).map(|n| p.delay_secs(n)).collect();
        assert_eq!(
            delays,
            [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600],
            "doubling, capped at max"
        );
        assert_eq!(p.delay_secs(u32::MAX), 3600, "no overflow");
        assert_eq!(p.delay_secs(62), 3600);
    }

    #[test]
    fn four_failures_do_not_lock_the_fifth_does() {
        let p = LockoutPolicy::default();
        let four = failures(4, at(0), &p);
        assert_eq!(
            four,
            LoginAttempts {
                failed: 4,
                locked_until: None,
                lockouts: 0
            }
        );
        assert!(!four.is_locked(at(0)));
        let five = four.after_failure(at(0), &p);
        assert_eq!(
            five,
            LoginAttempts {
                failed: 0,
                locked_until: Some(at(60)),
                lockouts: 1
            }
        );
        assert!(five.is_locked(at(0)));
        assert!(five.is_locked(at(59)));
        assert!(!five.is_locked(at(60)), "the lock ends at locked_until");
        assert_eq!(five.retry_after_secs(at(0)), Some(60));
        assert_eq!(five.retry_after_secs(at(59)), Some(1));
        assert_eq!(five.retry_after_secs(at(60)), None);
    }

    #[test]
    fn each_lock_doubles_until_the_ceiling_and_success_resets() {
        let p = LockoutPolicy::default();
        let mut a = LoginAttempts::default();
        let mut now = at(0);
        let mut seen = Vec::new();
        for _ in 0..8 {
            a = (0..5).fold(a, |a, _| a.after_failure(now, &p));
            let secs = a.retry_after_secs(now).unwrap();
            seen.push(secs);
            now = now.plus(secs);
        }
        assert_eq!(seen, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(a.lockouts, 8);
        assert_eq!(LoginAttempts::after_success(), LoginAttempts::default());
        let fresh = (0..5).fold(LoginAttempts::after_success(), |a, _| {
            a.after_failure(now, &p)
        });
        assert_eq!(
            fresh.retry_after_secs(now),
            Some(60),
            "back to the base delay"
        );
    }

    #[test]
    fn failures_that_race_a_lock_still_count_and_never_shorten_it() {
        let p = LockoutPolicy::default();
        let locked = failures(5, at(0), &p);
        let more = (0..4).fold(locked, |a, _| a.after_failure(at(10), &p));
        assert_eq!(more.failed, 4);
        assert_eq!(more.locked_until, Some(at(60)), "kept");
        // The tenth failure locks again, for the doubled delay from now.
        let ten = more.after_failure(at(10), &p);
        assert_eq!(ten.locked_until, Some(at(10 + 120)));
        assert_eq!(ten.lockouts, 2);
        // A long lock is never cut short by a shorter new one.
        let capped = LockoutPolicy {
            threshold: 1,
            base_secs: 60,
            max_secs: 60,
        };
        let long = LoginAttempts {
            failed: 0,
            locked_until: Some(at(500)),
            lockouts: 3,
        };
        assert_eq!(
            long.after_failure(at(0), &capped).locked_until,
            Some(at(500))
        );
        // An expired lock is forgotten, the lock count is not.
        let after = long.after_failure(at(600), &LockoutPolicy::default());
        assert_eq!(
            after,
            LoginAttempts {
                failed: 1,
                locked_until: None,
                lockouts: 3
            }
        );
    }

    #[test]
    fn counting_never_overflows() {
        let p = LockoutPolicy {
            threshold: u32::MAX,
            ..LockoutPolicy::default()
        };
        let a = LoginAttempts {
            failed: u32::MAX - 1,
            locked_until: None,
            lockouts: u32::MAX,
        };
        let b = a.after_failure(UnixTime::from_secs(i64::MAX - 5), &p);
        assert_eq!(b.lockouts, u32::MAX);
        assert_eq!(b.locked_until, Some(UnixTime::from_secs(i64::MAX)));
        let zero = LockoutPolicy {
            threshold: 0,
            ..LockoutPolicy::default()
        };
        assert!(
            LoginAttempts::default()
                .after_failure(at(0), &zero)
                .is_locked(at(0)),
            "a threshold of 0 acts as 1"
        );
    }

    #[test]
    fn asvs_2_2_1_default_policy_allows_at_most_100_failures_per_hour_per_account() {
        let p = LockoutPolicy::default();
        // Locks start at 0, 1, 3, 7, 15 and 31 minutes: 6 rounds of 5 failures.
        assert_eq!(p.max_failures_per_hour(), 30);
        assert!(p.max_failures_per_hour() <= 100);

        // The same by brute force: an attacker trying every second for a day, counted in
        // every sliding hour.
        let mut a = LoginAttempts::default();
        let mut failed_at = Vec::new();
        for s in 0..86_400 {
            let now = at(s);
            if !a.is_locked(now) {
                a = a.after_failure(now, &p);
                failed_at.push(s);
            }
        }
        let worst = failed_at
            .iter()
            .map(|&start| {
                failed_at
                    .iter()
                    .filter(|&&t| t >= start && t < start + 3600)
                    .count()
            })
            .max()
            .unwrap();
        assert_eq!(worst, 30);
        // After the ceiling is reached: 5 an hour.
        let last_hour = failed_at.iter().filter(|&&t| t >= 86_400 - 3600).count();
        assert!(last_hour <= 5, "{last_hour}");
    }

    #[test]
    fn loose_policies_are_measured_too() {
        let fast = LockoutPolicy {
            threshold: 5,
            base_secs: 2,
            max_secs: 4,
        };
        assert!(fast.max_failures_per_hour() > 100);
        let none = LockoutPolicy {
            base_secs: 0,
            ..LockoutPolicy::default()
        };
        assert_eq!(none.max_failures_per_hour(), u64::MAX);
        let strict = LockoutPolicy {
            threshold: 1,
            base_secs: 3600,
            max_secs: 3600,
        };
        assert_eq!(strict.max_failures_per_hour(), 1);
    }

    #[test]
    fn an_attempt_is_admitted_only_if_counted_while_unlocked() {
        let p = LockoutPolicy::default();
        let now = at(0);
        let fresh = LoginAttempts::default();
        // Alone: counted as the first failure.
        assert!(fresh.admits(&fresh.after_failure(now, &p), now, &p));
        // Others were counted meanwhile, but no lock: still fine (a double submit).
        assert!(fresh.admits(&failures(3, now, &p), now, &p));
        // The fifth failure, ours alone: it was counted while unlocked and caused the lock.
        let four = failures(4, now, &p);
        assert!(four.admits(&four.after_failure(now, &p), now, &p));
        // Read with 4, but others locked the account before ours was counted.
        assert!(!four.admits(&failures(7, now, &p), now, &p));
        assert!(!four.admits(&failures(5, now, &p).after_failure(now, &p), now, &p));
        // Already locked when read.
        let locked = failures(5, now, &p);
        assert!(!locked.admits(&locked.after_failure(now, &p), now, &p));
    }
}
