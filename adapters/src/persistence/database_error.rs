/// Why the database could not be opened or migrated. Messages are meant for operators and
/// never contain the password of the database URL: driver errors here may quote the URL, so
/// they are kept as scrubbed text rather than as a `source()` that would carry it unscrubbed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL names no backend Tessera supports.
    #[error(
        "unsupported database URL: use sqlite://relative/path.db, sqlite:///absolute/path.db \
         or postgres://user@host:port/dbname"
    )]
    UnsupportedUrl,
    /// The database could not be opened or reached.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Applying the schema migrations failed; nothing of the failing migration was kept.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The database was migrated by a newer Tessera; running this one could corrupt it.
    #[error(
        "the database schema is newer than this build of Tessera: it has migrations {} that this \
         build does not know; run a Tessera at least as new as the one that migrated it",
        .0.join(", ")
    )]
    SchemaTooNew(Vec<String>),
}
