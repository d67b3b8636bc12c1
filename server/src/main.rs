//! `tessera`: parses the command line, loads the configuration, runs one command.

use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;
use tessera_server::cli::{Cli, Command};
use tessera_server::commands::{self, CommandError};
use tessera_server::{logging, Application, Config};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tessera: {e}");
            return ExitCode::from(2);
        }
    };
    logging::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tessera: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Serve => match runtime.block_on(serve(&config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tessera: {e:#}");
                ExitCode::from(1)
            }
        },
        Command::Migrate => print(runtime.block_on(migrate(&config))),
        Command::Client(cmd) => print(runtime.block_on(commands::client::run(&config, cmd))),
        Command::Keys(cmd) => print(runtime.block_on(commands::keys::run(&config, cmd))),
        Command::ApiKey(cmd) => print(runtime.block_on(commands::apikey::run(&config, cmd))),
        Command::User(cmd) => print(runtime.block_on(commands::user::run(&config, cmd))),
        Command::Resource(cmd) => print(runtime.block_on(commands::resource::run(&config, cmd))),
        Command::Upstream(cmd) => print(runtime.block_on(commands::upstream::run(&config, cmd))),
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config)
        .await
        .context("start-up failed")?;
    log::info!(
        "tessera listening on {} as {}",
        app.local_addr(),
        config.http.issuer
    );
    app.run_until_stopped(true).await.context("server failed")?;
    log::info!("tessera stopped");
    Ok(())
}

async fn migrate(config: &Config) -> Result<serde_json::Value, CommandError> {
    // A one-shot command: it waits longer for a busy database than a request would.
    tessera_server::wiring::Core::open_for_command(config).await?;
    Ok(serde_json::json!({ "status": "migrated" }))
}

fn print(result: Result<serde_json::Value, CommandError>) -> ExitCode {
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tessera: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
