//! Security events seen at the HTTP edge, where the client's address is known: sign-ins,
//! tokens issued, refreshed and revoked, consent, password and account changes. The use cases
//! report what only they can see (a lockout, a refresh token replayed) themselves.

use super::HttpState;
use actix_web::HttpRequest;
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome};

/// An event at this moment from this request's address.
pub(super) fn event(
    state: &HttpState,
    req: &HttpRequest,
    action: AuditAction,
    outcome: AuditOutcome,
) -> AuditEvent {
    let event = AuditEvent::new(state.clock.now(), action, outcome);
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
