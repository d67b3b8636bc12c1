//! `tessera upstream create|list|delete`, through the same application service as the HTTP
//! admin API ([`UpstreamRegistry`]), so both validate alike and both leave an audit trail
//! (actor `cli`). The client secret comes from stdin, never from the command line.

use super::CommandError;
use crate::cli::UpstreamCommand;
use crate::config::Config;
use crate::secret_key;
use crate::wiring::Core;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::start_audit_writer;
use tessera_application::services::admin::Actor;
use tessera_application::services::{NewUpstream, UpstreamRegistry, UpstreamRegistryError};
use tessera_domain::Upstream;

/// Runs an upstream command and returns the JSON to print.
pub async fn run(config: &Config, cmd: UpstreamCommand) -> Result<Value, CommandError> {
    // Read the secret before touching the database: bad input fails fast.
    let secret = match &cmd {
        UpstreamCommand::Create { .. } => Some(read_secret()?),
        _ => None,
    };
    let core = Core::open_for_command(config).await?;
    let key = secret_key::resolve(config).map_err(|e| CommandError::Failed(e.to_string()))?;
    let audit = Arc::new(start_audit_writer(core.db.audit(), 16));
    let registry = core.upstream_registry(&key, audit.clone());
    let result = execute(&registry, cmd, secret).await;
    // The process is about to exit: write the audit events first.
    audit.shutdown(Duration::from_secs(5)).await;
    result
}

/// The secret from stdin, without the shell's trailing newline.
fn read_secret() -> Result<SecretString, CommandError> {
    let mut input = String::new();
    std::io::stdin()
        .take(8 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| {
            CommandError::BadInput(format!("cannot read the client secret from stdin: {e}"))
        })?;
    let secret = input
        .strip_suffix("\r\n")
        .or_else(|| input.strip_suffix('\n'))
        .unwrap_or(&input)
        .to_owned();
    if secret.is_empty() {
        return Err(CommandError::BadInput(
            "client_secret: nothing was read from stdin".into(),
        ));
    }
    Ok(SecretString::from(secret))
}

/// Refused input (a bad field, none to delete) is exit status 2; anything else 1.
fn failure(e: UpstreamRegistryError) -> CommandError {
    match e {
        UpstreamRegistryError::Invalid { .. } | UpstreamRegistryError::NotFound(_) => {
            CommandError::BadInput(e.to_string())
        }
        other => CommandError::Failed(other.to_string()),
    }
}

async fn execute(
    registry: &UpstreamRegistry,
    cmd: UpstreamCommand,
    secret: Option<SecretString>,
) -> Result<Value, CommandError> {
    let actor = Actor::cli();
    match cmd {
        UpstreamCommand::Create {
            name,
            issuer,
            client_id,
            client_secret_stdin: _,
            scope,
            kind,
            api_base,
            email_claim,
            name_claim,
            id,
        } => {
            let client_secret = secret.ok_or_else(|| {
                CommandError::BadInput("client_secret: nothing was read from stdin".into())
            })?;
            let created = registry
                .create(
                    &actor,
                    NewUpstream {
                        id,
                        name,
                        kind,
                        issuer,
                        api_base,
                        client_id,
                        client_secret,
                        scope,
                        email_claim,
                        name_claim,
                    },
                )
                .await
                .map_err(failure)?;
            Ok(json!({
                "id": created.id.as_str(),
                "name": created.name,
                "redirect_uri": registry.redirect_uri(&created),
            }))
        }
        UpstreamCommand::List => {
            let all = registry.list().await.map_err(failure)?;
            Ok(Value::Array(
                all.iter().map(|u| describe(registry, u)).collect(),
            ))
        }
        UpstreamCommand::Delete { id } => {
            registry.delete(&actor, &id).await.map_err(failure)?;
            Ok(json!({ "deleted": id }))
        }
    }
}

/// An upstream as listed: everything but the secret.
pub fn describe(registry: &UpstreamRegistry, u: &Upstream) -> Value {
    json!({
        "id": u.id.as_str(),
        "name": u.name,
        "kind": u.kind.as_str(),
        "issuer": u.issuer.as_str(),
        "api_base": u.api_base.as_ref().map(|a| a.as_str()),
        "client_id": u.client_id,
        "scope": u.scope.to_string(),
        "email_claim": u.claims.email(),
        "name_claim": u.claims.name(),
        "redirect_uri": registry.redirect_uri(u),
        "created_at": u.created_at.as_secs(),
    })
}
