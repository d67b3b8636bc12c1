//! `tessera user create`, through the same account service as sign-in.

use super::CommandError;
use crate::cli::UserCommand;
use crate::config::Config;
use crate::wiring::Core;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::io::Read;
use tessera_application::services::CreateUserError;

/// Runs a user command and returns the JSON to print.
pub async fn run(config: &Config, cmd: UserCommand) -> Result<Value, CommandError> {
    let UserCommand::Create {
        email,
        password_stdin: _,
        name,
        verified,
    } = cmd;
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
    Ok(json!({ "id": user.id.as_str(), "email": user.email.as_str() }))
}
