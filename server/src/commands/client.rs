//! `tessera client create|list|delete`, through the same application service the HTTP admin
//! API will use.

use super::CommandError;
use crate::cli::{ClientCommand, ClientCreate};
use crate::config::Config;
use crate::wiring::Core;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tessera_application::services::{NewClient, RegisterClientError};
use tessera_domain::Client;

/// Runs a client command and returns the JSON to print.
pub async fn run(config: &Config, cmd: ClientCommand) -> Result<Value, CommandError> {
    let core = Core::open(config).await?;
    let registry = core.client_registry();
    match cmd {
        ClientCommand::Create(args) => {
            let registered = registry
                .register(new_client(args))
                .await
                .map_err(|e| match e {
                    RegisterClientError::Repository(r) => CommandError::Failed(r.to_string()),
                    other => CommandError::BadInput(other.to_string()),
                })?;
            let mut out = json!({ "client_id": registered.client.id.as_str() });
            if let Some(secret) = &registered.secret {
                out["client_secret"] = Value::String(secret.expose_secret().to_owned());
            }
            Ok(out)
        }
        ClientCommand::List => {
            let clients = registry
                .list()
                .await
                .map_err(|e| CommandError::Failed(e.to_string()))?;
            Ok(Value::Array(clients.iter().map(describe).collect()))
        }
        ClientCommand::Delete { id } => {
            let deleted = registry
                .delete(&id)
                .await
                .map_err(|e| CommandError::Failed(e.to_string()))?;
            if deleted {
                Ok(json!({ "deleted": id }))
            } else {
                Err(CommandError::BadInput(format!("no client with id {id:?}")))
            }
        }
    }
}

fn new_client(a: ClientCreate) -> NewClient {
    NewClient {
        name: a.name,
        grants: a.grants,
        redirect_uris: a.redirect_uris,
        post_logout_redirect_uris: a.post_logout_redirect_uris,
        scope: a.scope,
        auth_method: a.auth_method,
        public: a.public,
        skip_consent: a.skip_consent,
    }
}

/// A client as listed: everything but the secret digest.
fn describe(c: &Client) -> Value {
    json!({
        "client_id": c.id.as_str(),
        "name": c.name,
        "public": c.is_public(),
        "token_endpoint_auth_method": c.auth_method.as_str(),
        "grant_types": c.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "redirect_uris": c.redirect_uris.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "post_logout_redirect_uris": c.post_logout_redirect_uris.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "scope": c.scope.to_string(),
        "skip_consent": c.skip_consent,
        "created_at": c.created_at.as_secs(),
    })
}
