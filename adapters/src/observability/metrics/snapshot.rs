//! What the `/metrics` handler reads at scrape time and hands to [`super::Metrics::render`].

/// Connection-pool figures at scrape time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Most connections the pool may open.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections idle now.
    pub available: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

/// One stored signing key, for `tessera_signing_key_age_seconds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAge {
    /// The JWS `kid`.
    pub kid: String,
    /// Its algorithm, e.g. "RS256".
    pub alg: &'static str,
    /// Its effective state: next, active, retiring or retired.
    pub state: &'static str,
    /// Seconds since it was created.
    pub age_secs: i64,
}

/// What is read at scrape time rather than counted as it happens.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The database pool.
    pub pool: PoolStatus,
    /// Every stored signing key.
    pub signing_keys: Vec<KeyAge>,
}
