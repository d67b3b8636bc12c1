use super::*;

/// Where the database is, parsed from the URL.
pub(super) enum Target {
    /// A file path as SQLite takes it.
    Sqlite(String),
    /// A `postgres://` URL, parsed by tokio-postgres.
    Postgres(Box<tokio_postgres::Config>),
}

/// Splits a database URL into its backend and the address that backend's driver takes.
pub(super) fn parse_url(url: &str, redactor: &Redactor) -> Result<Target, DatabaseError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        // An in-memory database would be a different, empty one on every pooled connection.
        if path.is_empty() || path.contains(":memory:") {
            return Err(DatabaseError::UnsupportedUrl);
        }
        return Ok(Target::Sqlite(path.to_owned()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            DatabaseError::Connect(format!(
                "invalid PostgreSQL URL: {}",
                redactor.scrub(&error_chain(&e))
            ))
        })?;
        if config.get_application_name().is_none() {
            config.application_name("tessera");
        }
        return Ok(Target::Postgres(Box::new(config)));
    }
    Err(DatabaseError::UnsupportedUrl)
}

/// An error with its causes, `outer: inner: …`: driver errors keep the useful part (connection
/// refused, authentication failed) in their sources.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Removes the URL's password from messages that might echo it (driver errors quote their
/// input at times), so nothing logged or returned can leak it.
#[derive(Debug, Default)]
pub(super) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects the password of `url`: the userinfo one and a `password=` query parameter, both
    /// as written and percent-decoded.
    pub(super) fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Some((_, rest)) = url.split_once("://") {
            let (head, query) = rest.split_once('?').unwrap_or((rest, ""));
            if let Some((userinfo, _)) = head.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    secrets.push(password.to_owned());
                }
            }
            for pair in query.split('&') {
                if let Some(("password", value)) = pair.split_once('=') {
                    secrets.push(value.to_owned());
                }
            }
        }
        let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
        secrets.extend(decoded);
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `message` with every known secret replaced by `***`.
    pub(super) fn scrub(&self, message: &str) -> String {
        let mut out = message.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&current) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (current, hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
