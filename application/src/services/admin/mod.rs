//! The administration use cases, shared by the HTTP admin API and the CLI so both take the
//! same code path (and leave the same audit trail). Each mutating operation records an
//! [`AuditEvent`] naming the [`Actor`] who did it; none ever puts a secret into one.

mod admin_auth;
mod api_keys;
mod audit;
mod clients;
mod dashboard;
mod keys;
mod roles;
mod users;

pub use admin_auth::{AdminAuthError, AdminAuthenticator, ADMIN_SCOPE};
pub use api_keys::AdminApiKeys;
pub use audit::{AdminAudit, MAX_AUDIT_PAGE};
pub use clients::{AdminClientError, AdminClients, ClientUpdate};
pub use dashboard::{AdminDashboard, Dashboard, MAX_DASHBOARD_HOURS};
pub use keys::AdminKeys;
pub use roles::AdminRoles;
pub use users::{AdminUserError, AdminUsers, UserPage, UNUSABLE_PASSWORD_HASH};

use crate::ports::{AuditLog, Clock};
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome};

/// Largest page the user listing returns.
pub const MAX_PAGE: u32 = 200;

/// Who asks for an administrative change, for the audit log: the authority (e.g.
/// `admin_token`, `api_key:abcd1234`, `cli`) and the remote address when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Names the credential used; never the credential itself.
    pub id: String,
    /// The remote address of the request, if it came over the network.
    pub ip: Option<String>,
}

impl Actor {
    /// An actor without an address.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ip: None,
        }
    }

    /// The command line: a local operator with database access.
    pub fn cli() -> Self {
        Self::new("cli")
    }

    /// The same actor seen from `ip`.
    pub fn with_ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }
}

/// Starts a successful event by `actor` with `detail` (e.g. `users.disable`).
fn event(clock: &dyn Clock, actor: &Actor, action: AuditAction, detail: &str) -> AuditEvent {
    let mut e = AuditEvent::new(clock.now(), action, AuditOutcome::Success)
        .actor(actor.id.clone())
        .detail(detail);
    if let Some(ip) = &actor.ip {
        e = e.ip(ip.clone());
    }
    e
}

/// Records `e`; a thin wrapper so every call site reads the same.
fn record(audit: &dyn AuditLog, e: AuditEvent) {
    audit.record(e);
}
