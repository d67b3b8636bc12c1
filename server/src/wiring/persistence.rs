//! The database: pool options from the configuration, connecting, migrating.

use super::WiringError;
use crate::config::DatabaseConfig;
use secrecy::ExposeSecret;
use std::time::Duration;
use tessera_adapters::persistence::{Database, PoolOptions};

/// How long a caller waits for a busy database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Serving requests: `database_timeout_ms`, then 503 (fail fast).
    Serving,
    /// A one-shot command (`migrate`, `client`, …): at least 10 s, as it would rather wait
    /// than fail.
    OneShot,
}

/// Shortest wait of a one-shot command.
const ONE_SHOT_TIMEOUT: Duration = Duration::from_secs(10);

/// The pool's options for `patience`.
pub fn pool_options(database: &DatabaseConfig, patience: Patience) -> PoolOptions {
    let timeout = match patience {
        Patience::Serving => database.timeout,
        Patience::OneShot => database.timeout.max(ONE_SHOT_TIMEOUT),
    };
    PoolOptions {
        max_size: database.pool_size,
        wait_timeout: timeout,
        connect_timeout: timeout,
        statement_timeout: timeout,
        client_cache_ttl: database.client_cache_ttl,
    }
}

/// Connects and applies pending migrations.
pub async fn open(database: &DatabaseConfig, patience: Patience) -> Result<Database, WiringError> {
    let db = Database::connect(
        database.url.expose_secret(),
        pool_options(database, patience),
    )
    .await
    .map_err(|e| WiringError::Database(e.into()))?;
    let applied = db
        .migrate()
        .await
        .map_err(|e| WiringError::Database(e.into()))?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    if patience == Patience::Serving {
        db.start_change_feed();
    }
    Ok(db)
}

#[cfg(test)]
mod tests;
