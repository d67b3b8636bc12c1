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
