//! The audit log's write path: [`AuditWriter`] implements the [`AuditLog`] port with a bounded
//! queue and one background task that inserts in batches.
//!
//! Recording sits on hot paths (client_credentials tokens at thousands per second), so it never
//! waits on the database: `record` logs the event, then `try_send`s it. When the queue is full
//! the event is counted as dropped (it is still in the log line) rather than slowing the request
//! down. The task drains up to [`MAX_BATCH`] events at a time into one `insert_batch`, retrying
//! a failed batch a few times with backoff before giving it up.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_application::ports::{AuditLog, AuditRepository};
use tessera_domain::AuditEvent;
use tokio::sync::{mpsc, oneshot};

/// Most events written by one `insert_batch`: large enough to absorb a burst in a few
/// statements, small enough to keep each transaction short.
pub const MAX_BATCH: usize = 256;

/// How long the writer waits for more events after the first of a batch. Under a steady load
/// (one `token_issued` per token) writing whatever was queued meant a transaction, and on
/// SQLite an fsync, for every few events; gathering for a few milliseconds writes them in
/// full batches. Events reach the table this much later, never get lost by it (shutdown
/// flushes), and a request never waits on it.
const LINGER: Duration = Duration::from_millis(25);

/// Waits before retrying a failed batch: rides out a database restart or failover blip
/// without holding events for long (the queue fills meanwhile).
const RETRY_BACKOFF: [Duration; 3] = [
    Duration::from_millis(50),
    Duration::from_millis(250),
    Duration::from_millis(1_000),
];

/// Least time between two "queue full" warnings: a flood of drops must not flood the log.
const DROP_WARN_INTERVAL_MS: i64 = 1_000;

/// What goes through the queue: events, then at shutdown a request to flush and stop.
enum Message {
    Event(AuditEvent),
    Stop(oneshot::Sender<()>),
}

/// Counters shared by the writer handle and its task.
struct Shared {
    /// Events not queued: the queue was full, the task gone, or the writer shut down.
    dropped: AtomicU64,
    /// Events stored in the database.
    written: AtomicU64,
    /// Events given up after the database refused them through every retry.
    lost: AtomicU64,
    /// When the last "queue full" warning was logged, in ms since `started`.
    last_drop_warning_ms: AtomicI64,
    /// Set by `shutdown`: later events are logged but no longer queued.
    closed: AtomicBool,
    /// The clock origin of `last_drop_warning_ms`.
    started: Instant,
}

/// The [`AuditLog`] of a running server: logs every event at once (target `audit`) and stores
/// it through a bounded queue and a background batch writer.
pub struct AuditWriter {
    tx: mpsc::Sender<Message>,
    shared: Arc<Shared>,
}

impl fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditWriter")
            .field("written", &self.written())
            .field("dropped", &self.dropped())
            .field("lost", &self.lost())
            .finish()
    }
}

/// Starts the background writer over `repo` with a queue of `capacity` events (at least 1).
/// Must be called inside a tokio runtime: it spawns the writer task there.
pub fn start_audit_writer(repo: Arc<dyn AuditRepository>, capacity: usize) -> AuditWriter {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let shared = Arc::new(Shared {
        dropped: AtomicU64::new(0),
        written: AtomicU64::new(0),
        lost: AtomicU64::new(0),
        last_drop_warning_ms: AtomicI64::new(-DROP_WARN_INTERVAL_MS),
        closed: AtomicBool::new(false),
        started: Instant::now(),
    });
    tokio::spawn(run(repo, rx, Arc::clone(&shared)));
    AuditWriter { tx, shared }
}

impl AuditWriter {
    /// Events not stored because the queue was full (or the writer stopped): a metric, and
    /// the sign that the database cannot keep up.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Events stored in the database so far.
    pub fn written(&self) -> u64 {
        self.shared.written.load(Ordering::Relaxed)
    }

    /// Events dequeued but given up because the database kept failing.
    pub fn lost(&self) -> u64 {
        self.shared.lost.load(Ordering::Relaxed)
    }

    /// Stops queuing and waits, at most `deadline`, until what is queued has been written;
    /// events recorded afterwards are logged only. For a graceful shutdown.
    pub async fn shutdown(&self, deadline: Duration) {
        self.shared.closed.store(true, Ordering::SeqCst);
        let (ack, done) = oneshot::channel();
        let flushed = tokio::time::timeout(deadline, async {
            // The stop message queues behind every event recorded before it.
            if self.tx.send(Message::Stop(ack)).await.is_ok() {
                let _ = done.await;
            }
        })
        .await;
        if flushed.is_err() {
            let queued = self.tx.max_capacity() - self.tx.capacity();
            log::warn!(
                "audit log: shutdown deadline of {deadline:?} passed with about {queued} events \
                 not yet written"
            );
        }
    }

    /// Counts an event that could not be queued, warning at most once per interval.
    fn count_drop(&self) {
        let shared = &self.shared;
        let total = shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        let now = i64::try_from(shared.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let last = shared.last_drop_warning_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= DROP_WARN_INTERVAL_MS
            && shared
                .last_drop_warning_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            log::warn!(
                "audit log: queue full or writer stopped; {total} events not stored so far \
                 (they are still in the log)"
            );
        }
    }
}

impl AuditLog for AuditWriter {
    fn record(&self, event: AuditEvent) {
        // Cleaned again in case a field was set directly rather than through the builder.
        let event = event.sanitized();
        log::info!(target: "audit", "{}", LogLine(&event));
        if self.shared.closed.load(Ordering::Relaxed) {
            self.count_drop();
            return;
        }
        if self.tx.try_send(Message::Event(event)).is_err() {
            self.count_drop();
        }
    }
}

/// An event as one log line of `key=value` pairs; values quoted and escaped (`-` when unset)
/// so no field can end the line or pass for another key.
struct LogLine<'a>(&'a AuditEvent);

impl fmt::Display for LogLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "action={} outcome={}", e.action, e.outcome)?;
        for (key, value) in [
            ("actor", &e.actor),
            ("subject", &e.subject),
            ("client", &e.client_id),
            ("ip", &e.ip),
            ("detail", &e.detail),
        ] {
            match value {
                Some(v) => write!(f, " {key}={v:?}")?,
                None => write!(f, " {key}=-")?,
            }
        }
        Ok(())
    }
}

/// The writer task: drains the queue in batches until stopped or every sender is gone.
async fn run(repo: Arc<dyn AuditRepository>, mut rx: mpsc::Receiver<Message>, shared: Arc<Shared>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut stop: Option<oneshot::Sender<()>> = None;
    loop {
        if stop.is_none() {
            match rx.recv().await {
                Some(Message::Event(e)) => batch.push(e),
                Some(Message::Stop(ack)) => stop = Some(ack),
                None => {}
            }
        }
        // Gather for a moment, unless stopping: a batch is cheaper written full. The writer
        // sleeps rather than waits on the queue, so the events sent meanwhile wake nothing.
        if stop.is_none() && !batch.is_empty() && rx.len() < MAX_BATCH {
            tokio::time::sleep(LINGER).await;
        }
        // Take what else is already queued, up to a full batch; once stopping, also what
        // raced in behind the stop message.
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Message::Event(e)) => batch.push(e),
                Ok(Message::Stop(ack)) => stop = Some(ack),
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            if let Some(ack) = stop.take() {
                let _ = ack.send(());
                return;
            }
            if rx.is_closed() && rx.is_empty() {
                return;
            }
            continue;
        }
        write(repo.as_ref(), &batch, &shared).await;
        batch.clear();
    }
}

/// Inserts one batch, retrying with backoff; gives it up (logged, counted) when every attempt
/// failed. The error shown is the repository's, which never holds credentials.
async fn write(repo: &dyn AuditRepository, batch: &[AuditEvent], shared: &Shared) {
    let mut attempt = 0;
    loop {
        match repo.insert_batch(batch).await {
            Ok(()) => {
                shared
                    .written
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                return;
            }
            Err(e) => match RETRY_BACKOFF.get(attempt) {
                Some(wait) => {
                    log::warn!(
                        "audit log: writing {} events failed ({e}); retrying in {wait:?}",
                        batch.len()
                    );
                    tokio::time::sleep(*wait).await;
                    attempt += 1;
                }
                None => {
                    shared.lost.fetch_add(batch.len() as u64, Ordering::Relaxed);
                    log::error!(
                        "audit log: {} events lost after {} attempts: {e} (they are still in \
                         the log)",
                        batch.len(),
                        attempt + 1
                    );
                    return;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests;
