//! The rate limiter: budgets kept in this process, or shared between processes through Redis
//! when `rate_limit.redis_url` is set.

use super::WiringError;
use crate::config::Config;
use std::sync::Arc;
use tessera_adapters::http::RateLimiter;

/// The limiter of `config`. With Redis it connects first; an unreachable Redis is logged and
/// the process starts on its own budgets (see the README, "Rate limits across processes").
pub async fn limiter(config: &Config) -> Result<Arc<RateLimiter>, WiringError> {
    let settings = config.rate_limit.settings(&config.accounts.lockout);
    let limiter = match &config.rate_limit.redis {
        None => RateLimiter::new(settings),
        Some(redis) => {
            let limiter = RateLimiter::shared(settings, redis)
                .await
                .map_err(|e| WiringError::RateLimit(Box::new(e)))?;
            log::info!("rate limits: budgets shared through Redis");
            limiter
        }
    };
    Ok(Arc::new(limiter))
}
