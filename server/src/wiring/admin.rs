//! The admin API: the same services as the CLI, every change in the audit log.

use super::Core;
use crate::config::Config;
use std::sync::Arc;
use tessera_adapters::http::{AdminFailures, AdminState, RateLimiter};
use tessera_application::ports::AuditLog;
use tessera_application::services::admin::{
    AdminApiKeys, AdminAudit, AdminAuthenticator, AdminClients, AdminKeys, AdminRoles, AdminUsers,
};
use tessera_application::services::{ApiKeys, EmailLinks, KeyService, ResourceRegistry};

/// What the admin API is built from, beside the core.
pub struct AdminInputs<'a> {
    /// The configuration (`admin_token`).
    pub config: &'a Config,
    /// The signing keys the server uses.
    pub keys: Arc<KeyService>,
    /// Sends password-reset mail on an admin's request.
    pub email_links: Arc<EmailLinks>,
    /// Resets a person's second factors on an admin's request.
    pub second_factors: Arc<tessera_application::services::SecondFactors>,
    /// The audit sink.
    pub audit: Arc<dyn AuditLog>,
    /// The per-address failure budgets (admin authentication failures).
    pub limiter: Arc<RateLimiter>,
    /// The secret key (`client_secret_jwt` secrets are sealed under a key derived from it).
    pub secret: &'a secrecy::SecretString,
}

/// Wires the admin API.
pub fn admin_api(core: &Core, inputs: AdminInputs<'_>) -> Arc<AdminState> {
    let AdminInputs {
        config,
        keys,
        email_links,
        second_factors,
        audit,
        limiter,
        secret,
    } = inputs;
    let db = &core.db;
    let api_keys = Arc::new(ApiKeys::new(
        db.api_keys(),
        core.clock.clone(),
        core.rng.clone(),
    ));
    Arc::new(AdminState {
        clients: AdminClients::new(
            db.clients(),
            core.clock.clone(),
            core.rng.clone(),
            audit.clone(),
        )
        .with_secret_sealer(Core::client_secret_cipher(secret)),
        users: AdminUsers::new(
            db.users(),
            db.consents(),
            Arc::new(core.sign_out_everywhere()),
            email_links,
            core.clock.clone(),
            audit.clone(),
        )
        .with_second_factors(second_factors),
        roles: AdminRoles::new(
            db.users(),
            db.user_roles(),
            core.clock.clone(),
            audit.clone(),
        ),
        keys: AdminKeys::new(keys, core.clock.clone(), audit.clone()),
        api_keys: AdminApiKeys::new(api_keys.clone(), core.clock.clone(), audit.clone()),
        audit: AdminAudit::new(db.audit()),
        resources: ResourceRegistry::new(db.resources(), core.clock.clone(), audit.clone()),
        auth: AdminAuthenticator::new(
            config.admin.token.as_ref(),
            api_keys,
            Arc::new(AdminFailures(limiter.clone())),
            audit,
        ),
        default_alg: core.signing_alg,
        limiter,
        clock: core.clock.clone(),
    })
}
