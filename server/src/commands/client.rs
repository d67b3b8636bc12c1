//! `tessera client create|list|delete`, through the same application service as the HTTP
//! admin API ([`AdminClients`]), so both validate alike and both leave an audit trail (actor
//! `cli`).

use super::CommandError;
use crate::cli::{ClientCommand, ClientCreate};
use crate::config::Config;
use crate::wiring::Core;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::start_audit_writer;
use tessera_application::services::admin::{Actor, AdminClientError, AdminClients};
use tessera_application::services::NewClient;
use tessera_domain::{Client, ClientJwks};

/// Runs a client command and returns the JSON to print.
pub async fn run(config: &Config, cmd: ClientCommand) -> Result<Value, CommandError> {
    let core = Core::open_for_command(config).await?;
    let audit = Arc::new(start_audit_writer(core.db.audit(), 16));
    let mut clients = AdminClients::new(
        core.db.clients(),
        core.clock.clone(),
        core.rng.clone(),
        audit.clone(),
    );
    // client_secret_jwt secrets are sealed under the server's secret key; without one (a
    // production configuration missing it) such clients are refused, every other kind works.
    match crate::secret_key::resolve(config) {
        Ok(secret) => clients = clients.with_secret_sealer(Core::client_secret_cipher(&secret)),
        Err(e) => log::debug!("no secret key, client_secret_jwt clients cannot be created: {e}"),
    }
    let result = execute(&clients, cmd).await;
    // The process is about to exit: write the audit events first.
    audit.shutdown(Duration::from_secs(5)).await;
    result
}

/// Maps a service error to the exit status of the contract: 2 for refused input.
fn failure(e: AdminClientError) -> CommandError {
    match e {
        AdminClientError::Repository(r) => CommandError::Failed(r.to_string()),
        other => CommandError::BadInput(other.to_string()),
    }
}

async fn execute(clients: &AdminClients, cmd: ClientCommand) -> Result<Value, CommandError> {
    let actor = Actor::cli();
    match cmd {
        ClientCommand::Create(args) => {
            let registered = clients
                .create(&actor, new_client(*args)?)
                .await
                .map_err(failure)?;
            let mut out = serde_json::Map::new();
            out.insert("client_id".into(), json!(registered.client.id.as_str()));
            if let Some(secret) = &registered.secret {
                out.insert(
                    "client_secret".into(),
                    Value::String(secret.expose_secret().to_owned()),
                );
            }
            Ok(Value::Object(out))
        }
        ClientCommand::List => {
            let list = clients.list().await.map_err(failure)?;
            Ok(Value::Array(list.iter().map(describe).collect()))
        }
        ClientCommand::Delete { id } => match clients.delete(&actor, &id).await {
            Ok(()) => Ok(json!({ "deleted": id })),
            Err(AdminClientError::NotFound) => {
                Err(CommandError::BadInput(format!("no client with id {id:?}")))
            }
            Err(e) => Err(failure(e)),
        },
    }
}

fn new_client(a: ClientCreate) -> Result<NewClient, CommandError> {
    let jwks =
        match &a.jwks_file {
            None => None,
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                CommandError::BadInput(format!("cannot read {}: {e}", path.display()))
            })?),
        };
    Ok(NewClient {
        jwks,
        jwks_uri: a.jwks_uri,
        require_par: a.require_par,
        require_dpop: a.require_dpop,
        backchannel_logout_uri: a.backchannel_logout_uri,
        backchannel_logout_session_required: a.backchannel_logout_session_required,
        profile: a.profile,
        name: a.name,
        grants: a.grants,
        redirect_uris: a.redirect_uris,
        post_logout_redirect_uris: a.post_logout_redirect_uris,
        scope: a.scope,
        auth_method: a.auth_method,
        public: a.public,
        skip_consent: a.skip_consent,
        require_mfa: a.require_mfa,
        exchange_audiences: a.exchange_audiences,
    })
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
        "require_mfa": c.require_mfa,
        "exchange_audiences": c.exchange_audiences.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "jwks_uri": match &c.security.jwks { ClientJwks::Uri(u) => Some(u.as_str()), _ => None },
        "jwks": matches!(c.security.jwks, ClientJwks::Inline(_)),
        "require_pushed_authorization_requests": c.security.require_par,
        "dpop_bound_access_tokens": c.security.require_dpop,
        "backchannel_logout_uri": c.security.backchannel_logout_uri,
        "backchannel_logout_session_required": c.security.backchannel_logout_session_required,
        "profile": c.security.profile.as_str(),
        "created_at": c.created_at.as_secs(),
    })
}
