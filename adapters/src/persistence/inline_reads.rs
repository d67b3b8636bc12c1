//! One-row SQLite reads run on the calling thread, for the per-request checks of hot endpoints.
//!
//! The pooled path runs every SQLite statement on tokio's blocking pool: a task, a hand-off to
//! another thread and a wake-up back, which cost several times the lookup itself. For a
//! primary-key read such as the denylist check of every introspection, a read-only connection
//! kept by the calling thread answers in a few microseconds instead. In WAL mode a reader never
//! waits for the writer, and these connections never wait at all (`busy_timeout = 0`): any error,
//! a busy database included, returns `None` and the caller takes the pooled path.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, QueryResult, SqliteConnection};

/// Databases a thread keeps a reader for; tests open many, a server one.
const PER_THREAD: usize = 4;

/// Gives every [`InlineReader`] its own identity, so a thread never serves one database's
/// read from another's connection even if a path is reused.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static READERS: RefCell<Vec<(u64, SqliteConnection)>> = const { RefCell::new(Vec::new()) };
}

/// The handle of one database's per-thread readers.
pub(crate) struct InlineReader {
    id: u64,
    path: String,
}

impl InlineReader {
    /// Readers of the SQLite file at `path` (opened lazily, one per thread).
    pub(crate) fn new(path: &str) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            path: path.to_owned(),
        }
    }

    /// Runs `read` on this thread's connection. `None` means it did not run or failed: the
    /// caller then asks the pool, so the answer never depends on this shortcut.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&mut SqliteConnection) -> QueryResult<T>,
    ) -> Option<T> {
        READERS
            .try_with(|cell| {
                // Re-entered (a read inside a read): leave it to the pool.
                let mut readers = cell.try_borrow_mut().ok()?;
                let at = match readers.iter().position(|(id, _)| *id == self.id) {
                    Some(at) => at,
                    None => {
                        let conn = self.open()?;
                        if readers.len() >= PER_THREAD {
                            readers.remove(0);
                        }
                        readers.push((self.id, conn));
                        readers.len() - 1
                    }
                };
                let (_, conn) = readers.get_mut(at)?;
                match read(conn) {
                    Ok(value) => Some(value),
                    Err(e) => {
                        // Dropped, so a connection in a bad state is not kept; the next read
                        // opens a fresh one.
                        log::debug!("inline SQLite read failed, using the pool: {e}");
                        readers.remove(at);
                        None
                    }
                }
            })
            .ok()
            .flatten()
    }

    fn open(&self) -> Option<SqliteConnection> {
        // Opening would create a missing file; the pool opened it at start-up, so a missing
        // one means something is wrong and the pool should report it.
        if !std::path::Path::new(&self.path).exists() {
            return None;
        }
        let mut conn = SqliteConnection::establish(&self.path).ok()?;
        conn.batch_execute("PRAGMA busy_timeout = 0; PRAGMA query_only = ON;")
            .ok()?;
        Some(conn)
    }
}

#[cfg(test)]
mod tests;
