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
