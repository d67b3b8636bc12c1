//! `tessera resource create|list|delete`, through the same application service as the HTTP
//! admin API ([`ResourceRegistry`]), so both validate alike and both leave an audit trail
//! (actor `cli`).

use super::CommandError;
use crate::cli::ResourceCommand;
use crate::config::Config;
use crate::wiring::Core;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::start_audit_writer;
use tessera_application::services::admin::Actor;
use tessera_application::services::{NewResource, ResourceRegistry, ResourceRegistryError};
use tessera_domain::Resource;

/// Runs a resource command and returns the JSON to print.
pub async fn run(config: &Config, cmd: ResourceCommand) -> Result<Value, CommandError> {
    let core = Core::open_for_command(config).await?;
    let audit = Arc::new(start_audit_writer(core.db.audit(), 16));
    let registry = ResourceRegistry::new(core.db.resources(), core.clock.clone(), audit.clone());
    let result = execute(&registry, cmd).await;
    // The process is about to exit: write the audit events first.
    audit.shutdown(Duration::from_secs(5)).await;
    result
}

/// Refused input (bad identifier, name or scope, a taken identifier, none to delete) is exit
/// status 2; storage failures 1.
fn failure(e: ResourceRegistryError) -> CommandError {
    match e {
        ResourceRegistryError::Repository(r) => CommandError::Failed(r.to_string()),
        other => CommandError::BadInput(other.to_string()),
    }
}

async fn execute(registry: &ResourceRegistry, cmd: ResourceCommand) -> Result<Value, CommandError> {
    let actor = Actor::cli();
    match cmd {
        ResourceCommand::Create {
            identifier,
            name,
            scope,
            clients,
        } => {
            let created = registry
                .create(
                    &actor,
                    NewResource {
                        identifier,
                        name,
                        scope,
                        clients,
                    },
                )
                .await
                .map_err(failure)?;
            Ok(describe(&created))
        }
        ResourceCommand::List => {
            let all = registry.list().await.map_err(failure)?;
            Ok(Value::Array(all.iter().map(listed).collect()))
        }
        ResourceCommand::Delete { identifier } => {
            registry
                .delete(&actor, &identifier)
                .await
                .map_err(failure)?;
            Ok(json!({ "deleted": identifier }))
        }
    }
}

/// A resource as printed by `create` and `list`.
fn describe(r: &Resource) -> Value {
    json!({
        "identifier": r.identifier.as_str(),
        "name": r.name,
        "scope": r.scope.to_string(),
        "clients": r.clients.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    })
}

/// A resource as listed: also when it was registered.
fn listed(r: &Resource) -> Value {
    let mut v = describe(r);
    if let Value::Object(fields) = &mut v {
        fields.insert("created_at".into(), json!(r.created_at.as_secs()));
    }
    v
}
