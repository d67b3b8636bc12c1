//! What a use case knows about the request that asked for it, so it can audit itself and act
//! on one instant without reaching for the HTTP layer or the system clock.

use std::net::IpAddr;
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, UnixTime};

/// The caller's address, the request's correlation id and the instant it is handled at.
/// Built once per request at the HTTP edge (or by the command line) and passed down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The client's address as the rate limiter sees it (`None` when unknown, e.g. the CLI).
    pub ip: Option<IpAddr>,
    /// The `X-Request-Id` of the request, echoed in logs; empty when there is none.
    pub request_id: String,
    /// The instant the request is handled at: one clock reading for the whole use case.
    pub now: UnixTime,
}

impl RequestContext {
    /// A context for work with no HTTP request behind it (command line, housekeeping).
    pub fn internal(now: UnixTime) -> Self {
        Self {
            ip: None,
            request_id: String::new(),
            now,
        }
    }

    /// An audit event at this request's instant, from its address.
    pub fn audit(&self, action: AuditAction, outcome: AuditOutcome) -> AuditEvent {
        let event = AuditEvent::new(self.now, action, outcome);
        match self.ip {
            Some(ip) => event.ip(ip.to_string()),
            None => event,
        }
    }
}
