//! Dynamic client registration (RFC 7591/7592): the service and the handlers' state, when
//! `registration.enabled`.

use super::Core;
use crate::config::ClientRegistrationConfig;
use actix_web::web;
use std::sync::Arc;
use tessera_adapters::http::registration::RegistrationState;
use tessera_adapters::http::RateLimiter;
use tessera_application::ports::AuditLog;
use tessera_application::services::{DynamicRegistration, DynamicRegistrationDeps};

/// The handlers' state, or `None` when registration is turned off.
pub fn state(
    core: &Core,
    config: &ClientRegistrationConfig,
    issuer: &str,
    audit: Arc<dyn AuditLog>,
    limiter: Arc<RateLimiter>,
) -> Option<web::Data<RegistrationState>> {
    if !config.enabled {
        return None;
    }
    let service = DynamicRegistration::new(DynamicRegistrationDeps {
        clients: core.db.clients(),
        resources: core.db.resources(),
        audit,
        clock: core.clock.clone(),
        rng: core.rng.clone(),
    })
    .with_initial_access_token(config.initial_access_token.as_ref());
    Some(web::Data::new(RegistrationState {
        service: Arc::new(service),
        issuer: issuer.to_owned(),
        limiter,
        clock: core.clock.clone(),
    }))
}
