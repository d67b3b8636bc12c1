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
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use tessera_application::ports::{AuditFilter, StoredAuditEvent};
    use tessera_application::RepositoryError;
    use tessera_domain::{AuditAction, AuditOutcome, UnixTime};
    use tokio::sync::{Notify, Semaphore};

    use super::*;

    /// A repository that remembers each batch, can hold inserts until released and can fail
    /// the first few.
    #[derive(Default)]
    struct FakeRepo {
        batches: Mutex<Vec<Vec<AuditEvent>>>,
        /// When set, each insert takes a permit first (so a test can hold the writer).
        gate: Option<Semaphore>,
        /// Signalled when an insert starts.
        started: Notify,
        /// Inserts that fail before one succeeds.
        failures: Mutex<u32>,
    }

    impl FakeRepo {
        fn batch_sizes(&self) -> Vec<usize> {
            self.batches.lock().unwrap().iter().map(Vec::len).collect()
        }
    }

    #[async_trait]
    impl AuditRepository for FakeRepo {
        async fn insert_batch(&self, events: &[AuditEvent]) -> Result<(), RepositoryError> {
            self.started.notify_one();
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            {
                let mut failures = self.failures.lock().unwrap();
                if *failures > 0 {
                    *failures -= 1;
                    return Err(RepositoryError::Unavailable);
                }
            }
            self.batches.lock().unwrap().push(events.to_vec());
            Ok(())
        }

        async fn list(
            &self,
            _: &AuditFilter,
            _: Option<i64>,
            _: u32,
        ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
            // The writer never reads.
            Ok(Vec::new())
        }

        async fn purge_before(&self, _: UnixTime, _: u32) -> Result<u64, RepositoryError> {
            // The writer never purges.
            Ok(0)
        }
    }

    fn event(n: i64) -> AuditEvent {
        AuditEvent::new(
            UnixTime::from_secs(n),
            AuditAction::TokenIssued,
            AuditOutcome::Success,
        )
        .client("app")
        .detail("grant=client_credentials")
    }

    #[tokio::test]
    async fn a_burst_is_written_in_few_batches_in_order() {
        let repo = Arc::new(FakeRepo::default());
        let writer = start_audit_writer(repo.clone(), 2_000);
        for n in 0..1_000 {
            writer.record(event(n));
        }
        writer.shutdown(Duration::from_secs(5)).await;

        let sizes = repo.batch_sizes();
        assert!(sizes.iter().all(|s| *s <= MAX_BATCH), "{sizes:?}");
        assert!(sizes.len() <= 8, "1000 events in {} batches", sizes.len());
        let times: Vec<i64> = repo
            .batches
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .map(|e| e.at.as_secs())
            .collect();
        assert_eq!(times, (0..1_000).collect::<Vec<_>>());
        assert_eq!(writer.written(), 1_000);
        assert_eq!(writer.dropped(), 0);
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let repo = Arc::new(FakeRepo {
            gate: Some(Semaphore::new(0)),
            ..FakeRepo::default()
        });
        let writer = start_audit_writer(repo.clone(), 10);
        // The first event is taken by the writer, which then waits on the gate.
        writer.record(event(0));
        repo.started.notified().await;
        for n in 1..=15 {
            writer.record(event(n));
        }
        assert_eq!(writer.dropped(), 5, "10 queued, 5 dropped");

        repo.gate.as_ref().unwrap().add_permits(100);
        writer.shutdown(Duration::from_secs(5)).await;
        assert_eq!(writer.written(), 11);
        assert_eq!(writer.dropped(), 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_flushes_the_queue_and_later_events_are_not_queued() {
        let repo = Arc::new(FakeRepo::default());
        let writer = start_audit_writer(repo.clone(), 1_000);
        for n in 0..300 {
            writer.record(event(n));
        }
        writer.shutdown(Duration::from_secs(5)).await;
        assert_eq!(writer.written(), 300);
        assert_eq!(repo.batch_sizes().iter().sum::<usize>(), 300);

        writer.record(event(301));
        assert_eq!(writer.dropped(), 1);
        // A second shutdown returns at once.
        writer.shutdown(Duration::from_secs(5)).await;
    }

    #[tokio::test]
    async fn a_failing_database_is_retried_then_given_up() {
        let repo = Arc::new(FakeRepo {
            failures: Mutex::new(2),
            ..FakeRepo::default()
        });
        let writer = start_audit_writer(repo.clone(), 100);
        writer.record(event(1));
        writer.shutdown(Duration::from_secs(5)).await;
        assert_eq!((writer.written(), writer.lost()), (1, 0), "retried");

        let repo = Arc::new(FakeRepo {
            failures: Mutex::new(u32::MAX),
            ..FakeRepo::default()
        });
        let writer = start_audit_writer(repo.clone(), 100);
        writer.record(event(1));
        writer.record(event(2));
        writer.shutdown(Duration::from_secs(5)).await;
        assert_eq!((writer.written(), writer.lost()), (0, 2), "given up");
    }

    #[test]
    fn the_log_line_is_one_line_of_key_value_pairs() {
        let mut e = AuditEvent::new(
            UnixTime::from_secs(1),
            AuditAction::LoginFailed,
            AuditOutcome::Failure,
        )
        .subject("alice@example.com")
        .ip("203.0.113.9");
        e.actor = Some("x\" detail=\"forged\nline".into());
        let line = LogLine(&e).to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("action=login_failed outcome=failure actor="));
        assert!(line.contains(" subject=\"alice@example.com\" client=- ip=\"203.0.113.9\""));
        assert!(line.ends_with(" detail=-"), "{line}");
        assert!(
            line.contains(r#" actor="x\" detail=\"forged\nline" "#),
            "quotes and newlines escaped: {line}"
        );
    }
}
