//! The registry of protected resources (RFC 8707): what an operator registers so clients can
//! ask for tokens meant for one API or MCP server. The CLI and the admin API both go through
//! here, so both validate alike and both leave an audit trail.

use crate::ports::{AuditLog, Clock, ResourceRepository};
use crate::services::admin::Actor;
use crate::services::fault_code::repository_fault_code;
use crate::{OAuthErrorCode, RepositoryError};
use std::sync::Arc;
use tessera_domain::{
    AuditAction, AuditEvent, AuditOutcome, ClientId, Resource, ResourceIdentifier, ScopeSet,
};

/// What an operator asks to register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewResource {
    /// The identifier: an absolute URI without fragment (the tokens' `aud`).
    pub identifier: String,
    /// The name shown on consent pages; the identifier when absent.
    pub name: Option<String>,
    /// The space-separated scopes the resource defines (may be empty).
    pub scope: Option<String>,
    /// The client ids the resource's server authenticates as (for introspection).
    pub clients: Vec<String>,
}

/// Why a registry operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResourceRegistryError {
    /// A field is not acceptable; `field` names it as the API does.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// Why, fit to show.
        message: String,
        /// The parser's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A resource with this identifier is registered already.
    #[error("a resource with identifier {0:?} is already registered")]
    Duplicate(String),
    /// No resource has this identifier.
    #[error("no resource with identifier {0:?}")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(RepositoryError),
}

impl ResourceRegistryError {
    fn invalid(
        field: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Invalid {
            field,
            message: source.to_string(),
            source: Box::new(source),
        }
    }

    /// The protocol error code this refusal is answered with.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::Invalid { .. } => OAuthErrorCode::InvalidRequest,
            Self::Duplicate(_) => OAuthErrorCode::Conflict,
            Self::NotFound(_) => OAuthErrorCode::NotFound,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Registers, lists and removes protected resources.
pub struct ResourceRegistry {
    resources: Arc<dyn ResourceRepository>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl ResourceRegistry {
    /// Builds the service.
    pub fn new(
        resources: Arc<dyn ResourceRepository>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            resources,
            clock,
            audit,
        }
    }

    /// Registers a resource after checking every field; a taken identifier is `Duplicate`.
    pub async fn create(
        &self,
        actor: &Actor,
        req: NewResource,
    ) -> Result<Resource, ResourceRegistryError> {
        let identifier = ResourceIdentifier::parse(&req.identifier).map_err(|e| {
            ResourceRegistryError::Invalid {
                field: "identifier",
                message: format!("{:?}: {e}", req.identifier),
                source: Box::new(e),
            }
        })?;
        let scope = ScopeSet::parse(req.scope.as_deref().unwrap_or_default())
            .map_err(|e| ResourceRegistryError::invalid("scope", e))?;
        let clients = req
            .clients
            .iter()
            .map(|c| ClientId::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ResourceRegistryError::invalid("clients", e))?;
        let resource = Resource {
            clients,
            name: req.name.unwrap_or_else(|| identifier.to_string()),
            identifier,
            scope,
            created_at: self.clock.now(),
        };
        resource
            .validate()
            .map_err(|e| ResourceRegistryError::invalid("name", e))?;
        match self.resources.insert(&resource).await {
            Ok(()) => {}
            Err(RepositoryError::Conflict) => {
                return Err(ResourceRegistryError::Duplicate(
                    resource.identifier.to_string(),
                ))
            }
            Err(e) => return Err(ResourceRegistryError::Repository(e)),
        }
        self.audit(
            actor,
            AuditAction::ResourceCreated,
            "resources.create",
            &resource.identifier,
        );
        Ok(resource)
    }

    /// Every resource, oldest first.
    pub async fn list(&self) -> Result<Vec<Resource>, ResourceRegistryError> {
        self.resources
            .list()
            .await
            .map_err(ResourceRegistryError::Repository)
    }

    /// Removes a resource. A value that is not even an identifier names no resource, so it
    /// is `NotFound` too. Tokens already issued for it stay valid until they expire.
    pub async fn delete(
        &self,
        actor: &Actor,
        identifier: &str,
    ) -> Result<(), ResourceRegistryError> {
        let not_found = || ResourceRegistryError::NotFound(identifier.to_owned());
        let id = ResourceIdentifier::parse(identifier).map_err(|_| not_found())?;
        let deleted = self
            .resources
            .delete(&id)
            .await
            .map_err(ResourceRegistryError::Repository)?;
        if !deleted {
            return Err(not_found());
        }
        self.audit(actor, AuditAction::ResourceDeleted, "resources.delete", &id);
        Ok(())
    }

    /// Records a change to resource `id` by `actor`.
    fn audit(&self, actor: &Actor, action: AuditAction, detail: &str, id: &ResourceIdentifier) {
        let mut e = AuditEvent::new(self.clock.now(), action, AuditOutcome::Success)
            .actor(actor.id.clone())
            .subject(id.as_str())
            .detail(detail);
        if let Some(ip) = &actor.ip {
            e = e.ip(ip.clone());
        }
        self.audit.record(e);
    }
}

#[cfg(test)]
mod tests;
