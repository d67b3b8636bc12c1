//! The request's [`RequestContext`], built once at the edge: the client's address as the rate
//! limiter sees it, the id the request-id middleware gave it, and one reading of the state's
//! clock. Use cases take it and audit themselves.

use super::rate_limit::RateLimiter;
use crate::observability::RequestId;
use actix_web::{HttpMessage, HttpRequest};
use tessera_application::ports::Clock;
use tessera_application::RequestContext;

/// The context of `req`: its address (by `limiter`), its request id and `clock`'s now.
pub(super) fn request_context(
    req: &HttpRequest,
    limiter: &RateLimiter,
    clock: &dyn Clock,
) -> RequestContext {
    RequestContext {
        ip: limiter.client_ip(req),
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default(),
        now: clock.now(),
    }
}
