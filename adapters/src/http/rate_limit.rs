//! Per-client-IP token buckets for the endpoints that take credentials (AS-27: brute force
//! against client secrets and passwords). Memory is bounded: at most `max_keys` addresses are
//! tracked, and full buckets are the first to go.

use actix_web::HttpRequest;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// Off: every request passes (benchmarks).
    pub enabled: bool,
    /// Requests a client may make at once.
    pub burst: u32,
    /// Requests per second it earns back.
    pub per_second: u32,
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Most addresses tracked at once.
    pub max_keys: usize,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            burst: 60,
            per_second: 10,
            trust_forwarded_for: false,
            max_keys: 100_000,
        }
    }
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter shared by every worker.
pub struct RateLimiter {
    settings: RateLimitSettings,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter with `settings`.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` when the request may proceed, else `Err(seconds until one token is back)`.
    pub fn check(&self, req: &HttpRequest) -> Result<(), u64> {
        if !self.settings.enabled {
            return Ok(());
        }
        let Some(ip) = self.client_ip(req) else {
            return Ok(());
        };
        self.take(ip, Instant::now())
    }

    fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let burst = f64::from(self.settings.burst.max(1));
        let rate = f64::from(self.settings.per_second.max(1));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= self.settings.max_keys && !buckets.contains_key(&ip) {
            // Forget every address whose bucket has refilled: it would start full anyway.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst
            });
            if buckets.len() >= self.settings.max_keys {
                return Err(1);
            }
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.updated).as_secs_f64() * rate).min(burst);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// The client's address as the limits see it (the trusted proxy header, else the peer).
    pub(crate) fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.settings.trust_forwarded_for {
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|a| a.ip())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limiter(burst: u32, per_second: u32, max_keys: usize) -> RateLimiter {
        RateLimiter::new(RateLimitSettings {
            burst,
            per_second,
            max_keys,
            ..RateLimitSettings::default()
        })
    }

    #[test]
    fn as_27_burst_then_refill() {
        let l = limiter(3, 1, 10);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take(ip, t0).is_ok());
        }
        assert_eq!(l.take(ip, t0), Err(1));
        assert!(l.take(ip, t0 + Duration::from_millis(1100)).is_ok());
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(l.take(other, t0).is_ok(), "buckets are per address");
    }

    #[test]
    fn r_08_tracked_addresses_are_bounded() {
        let l = limiter(2, 1, 2);
        let t0 = Instant::now();
        let ips: Vec<IpAddr> = (1..=3)
            .map(|i| format!("10.0.0.{i}").parse().unwrap())
            .collect();
        assert!(l.take(ips[0], t0).is_ok());
        assert!(l.take(ips[1], t0).is_ok());
        assert_eq!(
            l.take(ips[2], t0),
            Err(1),
            "full, and no bucket has refilled"
        );
        // Later the old buckets are full again and make room.
        assert!(l.take(ips[2], t0 + Duration::from_secs(5)).is_ok());
        assert!(l.buckets.lock().unwrap().len() <= 2);
    }

    #[test]
    fn disabled_limiter_lets_everything_through() {
        let l = RateLimiter::new(RateLimitSettings {
            enabled: false,
            burst: 1,
            ..RateLimitSettings::default()
        });
        let req = actix_web::test::TestRequest::default().to_http_request();
        for _ in 0..10 {
            assert!(l.check(&req).is_ok());
        }
    }
}
