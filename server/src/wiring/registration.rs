//! Dynamic client registration (RFC 7591/7592): the service and the handlers' state, when
//! `registration.enabled`.

use super::Core;
use crate::config::ClientRegistrationConfig;
use actix_web::web;
use async_trait::async_trait;
use std::sync::Arc;
use tessera_adapters::http::registration::RegistrationState;
use tessera_adapters::http::RateLimiter;
use tessera_application::ports::{AuditLog, ResourceRepository};
use tessera_application::services::{DynamicRegistration, DynamicRegistrationDeps};
use tessera_application::RepositoryError;
use tessera_domain::{Resource, ResourceIdentifier};

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
        resources: resources(core),
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

/// The registered resources whose scopes clients may register.
// TODO(merge): `core.db.resources()` once the SQL resource registry (RFC 8707) is on main;
// until then only the OpenID Connect scopes are registrable.
fn resources(_core: &Core) -> Arc<dyn ResourceRepository> {
    Arc::new(NoResources)
}

/// No resources registered.
struct NoResources;

#[async_trait]
impl ResourceRepository for NoResources {
    async fn insert(&self, _: &Resource) -> Result<(), RepositoryError> {
        Err(RepositoryError::other("no resource registry in this build"))
    }
    async fn find(&self, _: &ResourceIdentifier) -> Result<Option<Resource>, RepositoryError> {
        Ok(None)
    }
    async fn list(&self) -> Result<Vec<Resource>, RepositoryError> {
        Ok(Vec::new())
    }
    async fn delete(&self, _: &ResourceIdentifier) -> Result<bool, RepositoryError> {
        Ok(false)
    }
}
