//! What the admin API's handlers need.

use crate::http::rate_limit::RateLimiter;
use std::sync::Arc;
use tessera_application::ports::Clock;
use tessera_application::services::admin::{
    AdminApiKeys, AdminAudit, AdminAuthenticator, AdminClients, AdminKeys, AdminRoles, AdminUsers,
};
use tessera_application::services::ResourceRegistry;
use tessera_domain::SigningAlgorithm;

/// Everything the admin handlers need: the admin use cases (shared with the CLI), who may
/// call, and what builds each request's context (addresses, the clock).
pub struct AdminState {
    /// Client administration.
    pub clients: AdminClients,
    /// User, consent and session administration.
    pub users: AdminUsers,
    /// Who holds which role (`admin`: the operators' console).
    pub roles: AdminRoles,
    /// Signing keys.
    pub keys: AdminKeys,
    /// API keys.
    pub api_keys: AdminApiKeys,
    /// The audit log listing.
    pub audit: AdminAudit,
    /// The protected resources (RFC 8707).
    pub resources: ResourceRegistry,
    /// Who may call.
    pub auth: AdminAuthenticator,
    /// The algorithm of a rotation that names none (the configured one).
    pub default_alg: SigningAlgorithm,
    /// Client addresses as the limits and the audit log see them.
    pub limiter: Arc<RateLimiter>,
    /// The instant of each request's context.
    pub clock: Arc<dyn Clock>,
}
