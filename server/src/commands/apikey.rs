//! `tessera apikey create|list|revoke`, through the same application service the HTTP admin
//! API and bearer authentication use.

use super::CommandError;
use crate::cli::ApiKeyCommand;
use crate::config::Config;
use crate::wiring::Core;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tessera_application::services::{ApiKeyError, ApiKeys};
use tessera_domain::{ApiKey, UnixTime};

/// Runs an API key command and returns the JSON to print.
pub async fn run(config: &Config, cmd: ApiKeyCommand) -> Result<Value, CommandError> {
    let core = Core::open_for_command(config).await?;
    let keys = ApiKeys::new(core.db.api_keys(), core.clock.clone(), core.rng.clone());
    match cmd {
        ApiKeyCommand::Create {
            name,
            scope,
            expires_in_days,
        } => {
            let expires_at =
                expires_in_days.map(|days| core.clock.now().plus(i64::from(days) * 86_400));
            let (key, full) = keys
                .create(&name, &scope, expires_at)
                .await
                .map_err(failure)?;
            // The one place the key is ever shown.
            Ok(json!({
                "id": key.prefix.as_str(),
                "key": full.expose_secret(),
                "name": key.name,
                "scopes": key.scopes.to_string(),
                "expires_at": key.expires_at.map(UnixTime::as_secs),
            }))
        }
        ApiKeyCommand::List => {
            let all = keys.list().await.map_err(failure)?;
            Ok(Value::Array(all.iter().map(describe).collect()))
        }
        ApiKeyCommand::Revoke { id } => {
            if keys.revoke(&id).await.map_err(failure)? {
                Ok(json!({ "id": id, "revoked": true }))
            } else {
                Err(CommandError::BadInput(format!(
                    "no unrevoked API key with id {id:?}"
                )))
            }
        }
    }
}

/// Refused input is exit status 2, storage failures 1.
fn failure(e: ApiKeyError) -> CommandError {
    match e {
        ApiKeyError::Repository(r) => CommandError::Failed(r.to_string()),
        other => CommandError::BadInput(other.to_string()),
    }
}

/// A key as listed: everything but the digest (the key itself is never stored).
fn describe(k: &ApiKey) -> Value {
    json!({
        "id": k.prefix.as_str(),
        "name": k.name,
        "scopes": k.scopes.to_string(),
        "created_at": k.created_at.as_secs(),
        "expires_at": k.expires_at.map(UnixTime::as_secs),
        "last_used_at": k.last_used_at.map(UnixTime::as_secs),
        "revoked_at": k.revoked_at.map(UnixTime::as_secs),
    })
}
