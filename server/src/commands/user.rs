//! `tessera user create` (through the same account service as sign-in) and `tessera user
//! grant-admin` (through the same role service as the console and the admin API; audited
//! with actor `cli`).

use super::CommandError;
use crate::cli::UserCommand;
use crate::config::Config;
use crate::wiring::Core;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::audit::start_audit_writer;
use tessera_application::services::admin::{Actor, AdminRoles, AdminUserError};
use tessera_application::services::CreateUserError;
use tessera_domain::{Email, Role};

/// Runs a user command and returns the JSON to print.
pub async fn run(config: &Config, cmd: UserCommand) -> Result<Value, CommandError> {
    match cmd {
        UserCommand::Create {
            email,
            password_stdin: _,
            name,
            verified,
            roles,
        } => create(config, email, name, verified, roles).await,
        UserCommand::GrantAdmin { email } => grant_admin(config, &email).await,
    }
}

async fn create(
    config: &Config,
    email: String,
    name: Option<String>,
    verified: bool,
    roles: Vec<String>,
) -> Result<Value, CommandError> {
    // Bad roles are refused before anything is read or stored.
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| CommandError::BadInput(format!("--role: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut input = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| CommandError::BadInput(format!("cannot read the password from stdin: {e}")))?;
    // One trailing newline is the shell's, not the password's.
    let password = input
        .strip_suffix("\r\n")
        .or_else(|| input.strip_suffix('\n'))
        .unwrap_or(&input)
        .to_owned();
    let core = Core::open_for_command(config).await?;
    let accounts = core.accounts(config)?;
    let user = accounts
        .create_user(&email, SecretString::from(password), name, verified)
        .await
        .map_err(|e| match e {
            CreateUserError::Repository(r) => CommandError::Failed(r.to_string()),
            CreateUserError::Hasher(h) => CommandError::Failed(h),
            CreateUserError::Busy => CommandError::Failed(CreateUserError::Busy.to_string()),
            other => CommandError::BadInput(other.to_string()),
        })?;
    if !roles.is_empty() {
        let id = user.id.as_str().to_owned();
        with_roles(&core, |svc| async move {
            for role in roles {
                svc.grant(&Actor::cli(), &id, role)
                    .await
                    .map_err(role_failure)?;
            }
            Ok(())
        })
        .await?;
    }
    // The contract's output stays exactly {"id", "email"}.
    Ok(json!({ "id": user.id.as_str(), "email": user.email.as_str() }))
}

async fn grant_admin(config: &Config, email: &str) -> Result<Value, CommandError> {
    let email = Email::parse(email).map_err(|e| CommandError::BadInput(format!("--email: {e}")))?;
    let core = Core::open_for_command(config).await?;
    with_roles(&core, |svc| async move {
        let (user, _) = svc
            .grant_by_email(&Actor::cli(), &email, Role::Admin)
            .await
            .map_err(role_failure)?;
        let roles = svc.roles_of(user.id.as_str()).await.map_err(role_failure)?;
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Ok(json!({ "id": user.id.as_str(), "email": user.email.as_str(), "roles": names }))
    })
    .await
}

/// Runs `op` with the role service, then writes the audit events before the process exits.
async fn with_roles<T, F, Fut>(core: &Core, op: F) -> Result<T, CommandError>
where
    F: FnOnce(Arc<AdminRoles>) -> Fut,
    Fut: std::future::Future<Output = Result<T, CommandError>>,
{
    let audit = Arc::new(start_audit_writer(core.db.audit(), 16));
    let svc = Arc::new(AdminRoles::new(
        core.db.users(),
        core.db.user_roles(),
        core.clock.clone(),
        audit.clone(),
    ));
    let result = op(svc).await;
    audit.shutdown(Duration::from_secs(5)).await;
    result
}

/// An unknown account is bad input (exit 2); storage failures are exit 1.
fn role_failure(e: AdminUserError) -> CommandError {
    match e {
        AdminUserError::NotFound => CommandError::BadInput("no account with this email".into()),
        other => CommandError::Failed(other.to_string()),
    }
}
