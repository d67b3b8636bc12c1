//! The token-bucket arithmetic: one table of buckets per purpose, `burst` at once and
//! `per_hour` earned back, bounded to `max_keys` keys.

use super::settings::Budget;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// A bucket key: an address (IPv6 cut to its /64) or a name (client id, account, cookie).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// An address, already cut by [`super::client_address::bucket_address`].
    Ip(IpAddr),
    /// A name, prefixed by what it names.
    Name(Box<str>),
}

/// What is left in one key's bucket, as of `updated`.
pub(super) struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of one purpose.
pub(super) struct Table {
    budget: Budget,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl Table {
    /// Empty buckets of `budget`.
    pub(super) fn new(budget: Budget) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn burst(&self) -> f64 {
        f64::from(self.budget.burst.max(1))
    }

    fn rate(&self) -> f64 {
        f64::from(self.budget.per_hour.max(1)) / 3600.0
    }

    fn refilled(&self, b: &Bucket, now: Instant) -> f64 {
        (b.tokens + now.duration_since(b.updated).as_secs_f64() * self.rate()).min(self.burst())
    }

    fn wait_secs(&self, tokens: f64) -> u64 {
        ((1.0 - tokens) / self.rate()).ceil().max(1.0) as u64
    }

    /// `Err(seconds)` when nothing is left; spends nothing.
    pub(super) fn peek(&self, key: &Key, now: Instant) -> Result<(), u64> {
        let buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match buckets.get(key) {
            Some(b) => {
                let tokens = self.refilled(b, now);
                if tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(self.wait_secs(tokens))
                }
            }
            None => Ok(()),
        }
    }

    /// True when `key` has spent anything that has not come back yet.
    pub(super) fn has_spent(&self, key: &Key, now: Instant) -> bool {
        let buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buckets
            .get(key)
            .is_some_and(|b| self.refilled(b, now) < self.burst())
    }

    /// Spends one; `Err(seconds)` when nothing was left (then nothing is spent).
    pub(super) fn take(&self, key: Key, now: Instant, max_keys: usize) -> Result<(), u64> {
        let burst = self.burst();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= max_keys && !buckets.contains_key(&key) {
            // Forget every key whose bucket has refilled: it would start full anyway.
            buckets.retain(|_, b| self.refilled(b, now) < burst);
            if buckets.len() >= max_keys {
                return Err(1);
            }
        }
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        b.tokens = self.refilled(b, now);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait_secs(b.tokens))
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}
