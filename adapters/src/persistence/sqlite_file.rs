//! The SQLite file on disk: created owner-only, so the tokens, password hashes and sealed keys
//! it holds are not readable by other local users.

use super::DatabaseError;
use std::fs::{OpenOptions, Permissions};
use std::io::ErrorKind;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of a database file Tessera creates. SQLite creates the `-wal` and `-shm` files with the
/// mode of the database file (and sets it exactly, whatever the umask), so they follow.
pub(super) const DB_FILE_MODE: u32 = 0o600;

/// Makes the directory of `path` if missing, and the database file with [`DB_FILE_MODE`] if it
/// does not exist yet. An existing file keeps its mode: that is the operator's choice, and a
/// warning names the file when others can read or write it.
pub(super) fn prepare(path: &str) -> Result<(), DatabaseError> {
    let file = Path::new(path);
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        // SQLite creates the file but not its parents.
        std::fs::create_dir_all(dir).map_err(|e| {
            DatabaseError::Connect(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(DB_FILE_MODE)
        .open(file);
    match created {
        // The umask may have taken bits away from the mode: set it exactly.
        Ok(f) => f.set_permissions(Permissions::from_mode(DB_FILE_MODE)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            warn_if_shared(file);
            Ok(())
        }
        Err(e) => Err(e),
    }
    .map_err(|e| DatabaseError::Connect(format!("cannot create SQLite database {path}: {e}")))
}

fn warn_if_shared(file: &Path) {
    if let Ok(meta) = std::fs::metadata(file) {
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            log::warn!(
                "SQLite database {} is readable or writable by group or others (mode {:o}); \
                 chmod 600 it and its -wal and -shm files",
                file.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
}

#[cfg(test)]
mod tests;
