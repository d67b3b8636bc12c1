//! Where the key-encryption secret comes from: the configuration, or in development a file
//! generated once beside the database.

use crate::config::{Config, Environment};
use secrecy::{ExposeSecret, SecretString};
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why no secret key could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    /// Production without `secret_key`.
    #[error("secret_key is required in production")]
    Missing,
    /// The development key file could not be read or written.
    #[error("secret key file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong (never the key).
        message: String,
    },
}

/// The development key file: beside the SQLite database, or `tessera-secret.key` in the working
/// directory for other databases.
pub fn key_file_path(config: &Config) -> PathBuf {
    match config.database.sqlite_path() {
        Some(db) => {
            let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".secret-key");
            db.with_file_name(name)
        }
        None => PathBuf::from("tessera-secret.key"),
    }
}

/// The secret key: configured, or (development only) read from / generated into a 0600 file.
pub fn resolve(config: &Config) -> Result<SecretString, SecretKeyError> {
    if let Some(k) = &config.keys.secret_key {
        return Ok(k.clone());
    }
    if config.environment == Environment::Production {
        return Err(SecretKeyError::Missing);
    }
    let path = key_file_path(config);
    let file_err = |message: String| SecretKeyError::File {
        path: path.display().to_string(),
        message,
    };
    if path.exists() {
        if let Some(warning) = std::fs::metadata(&path)
            .ok()
            .and_then(|m| shared_file_warning(&path, m.permissions().mode()))
        {
            log::warn!("{warning}");
        }
        let mut s = String::new();
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_string(&mut s))
            .map_err(|e| file_err(e.to_string()))?;
        let key = s.trim().to_owned();
        if key.len() < 32 {
            return Err(file_err("is too short to be a Tessera secret key".into()));
        }
        return Ok(SecretString::from(key));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| file_err(e.to_string()))?;
    }
    let key = tessera_adapters::crypto::generate_secret_key();
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| file_err(e.to_string()))?;
    writeln!(f, "{}", key.expose_secret()).map_err(|e| file_err(e.to_string()))?;
    f.sync_all().map_err(|e| file_err(e.to_string()))?;
    log::warn!(
        "no secret_key configured: generated one into {} (mode 0600). Back it up with the \
         database; set TESSERA_SECRET_KEY in production.",
        path.display()
    );
    Ok(key)
}

/// The start-up warning for a key file of `mode` that group or others may read or write (they
/// could decrypt the signing keys, or swap the key); `None` when only the owner can. Names the
/// file, never the key.
pub fn shared_file_warning(path: &Path, mode: u32) -> Option<String> {
    (mode & 0o077 != 0).then(|| {
        format!(
            "secret key file {} is readable or writable by group or others (mode {:03o}); \
             run chmod 600 on it",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(test)]
mod tests;
