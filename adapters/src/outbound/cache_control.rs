//! What a response's `Cache-Control` lets a cache do with it (RFC 9111 §5.2.2), the little the
//! metadata-document cache needs: `no-store` / `no-cache`, and `max-age`.

use reqwest::header::{HeaderMap, CACHE_CONTROL};
use std::time::Duration;

/// The caching directives of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheHints {
    /// `no-store` or `no-cache` (or `max-age=0`): do not reuse it.
    pub no_store: bool,
    /// `max-age`, when given.
    pub max_age: Option<Duration>,
}

impl CacheHints {
    /// Reads every `Cache-Control` header; unknown directives are ignored, an unparsable
    /// `max-age` is as if absent.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut hints = Self::default();
        for value in headers.get_all(CACHE_CONTROL) {
            let Ok(value) = value.to_str() else { continue };
            for directive in value.split(',') {
                let directive = directive.trim();
                let (name, arg) = match directive.split_once('=') {
                    Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                    None => (directive, None),
                };
                if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                    hints.no_store = true;
                } else if name.eq_ignore_ascii_case("max-age") {
                    if let Some(secs) = arg.and_then(|a| a.parse::<u64>().ok()) {
                        hints.max_age = Some(Duration::from_secs(secs));
                    }
                }
            }
        }
        hints
    }

    /// How long to keep the response: nothing for `no-store`, else `max-age` (or `default`)
    /// clamped to `[min, max]`.
    pub fn lifetime(&self, default: Duration, min: Duration, max: Duration) -> Duration {
        if self.no_store || self.max_age == Some(Duration::ZERO) {
            return Duration::ZERO;
        }
        self.max_age.unwrap_or(default).clamp(min, max)
    }
}
