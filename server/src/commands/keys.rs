//! `tessera keys list|rotate`.

use super::CommandError;
use crate::cli::KeysCommand;
use crate::config::Config;
use crate::wiring::Core;
use serde_json::{json, Value};
use tessera_application::services::KeyError;
use tessera_domain::SigningAlgorithm;

/// Runs a keys command and returns the JSON to print.
pub async fn run(config: &Config, cmd: KeysCommand) -> Result<Value, CommandError> {
    let core = Core::open_for_command(config).await?;
    let keys = core.key_service(config)?;
    match cmd {
        KeysCommand::List => {
            let list = keys
                .list()
                .await
                .map_err(|e| CommandError::Failed(e.to_string()))?;
            Ok(Value::Array(
                list.iter()
                    .map(|k| {
                        json!({
                            "kid": k.kid,
                            "alg": k.alg.as_str(),
                            "state": k.state.as_str(),
                            "created_at": k.created_at.as_secs(),
                            "retire_after": k.retire_after.map(|t| t.as_secs()),
                        })
                    })
                    .collect(),
            ))
        }
        KeysCommand::Rotate { alg, force } => {
            let alg = match alg {
                Some(a) => SigningAlgorithm::parse(&a)
                    .map_err(|e| CommandError::BadInput(e.to_string()))?,
                None => core.signing_alg,
            };
            // The existing keys must decrypt with this secret, or the new key would be sealed
            // with a different one than the rest.
            let existing = keys
                .list()
                .await
                .map_err(|e| CommandError::Failed(e.to_string()))?;
            if !existing.is_empty() {
                keys.load()
                    .await
                    .map_err(|e| CommandError::Failed(e.to_string()))?;
            }
            let kid = keys.rotate(alg, force).await.map_err(|e| match e {
                KeyError::TooSoon(t) => {
                    CommandError::BadInput(format!("{t}; --force rotates now anyway"))
                }
                other => CommandError::Failed(other.to_string()),
            })?;
            Ok(json!({ "kid": kid, "alg": alg.as_str(), "state": "active" }))
        }
    }
}
