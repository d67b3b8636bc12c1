//! Security events seen at the HTTP edge, where the client's address is known: sign-ins,
//! tokens issued, refreshed and revoked, consent, password and account changes. The use cases
//! report what only they can see (a lockout, a refresh token replayed) themselves.

use super::HttpState;
use actix_web::HttpRequest;
use std::time::{SystemTime, UNIX_EPOCH};
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, UnixTime};

/// An event at this moment from this request's address.
pub(super) fn event(
    state: &HttpState,
    req: &HttpRequest,
    action: AuditAction,
    outcome: AuditOutcome,
) -> AuditEvent {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let event = AuditEvent::new(UnixTime::from_secs(now), action, outcome);
    match state.limiter.client_ip(req) {
        Some(ip) => event.ip(ip.to_string()),
        None => event,
    }
}

/// `Success` or `Failure`.
pub(super) fn outcome(ok: bool) -> AuditOutcome {
    if ok {
        AuditOutcome::Success
    } else {
        AuditOutcome::Failure
    }
}
