use super::*;
use crate::mail::outbox::{list_eml, read_eml_text};
use crate::mail::test_support::TempDir;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tessera_domain::Email;

/// Fails the first `failures` deliveries, optionally sleeps, records what it delivered.
struct FakeTransport {
    failures: u32,
    delay: Duration,
    calls: AtomicU32,
    delivered: Mutex<Vec<Message>>,
}

impl FakeTransport {
    fn new(failures: u32, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            failures,
            delay,
            calls: AtomicU32::new(0),
            delivered: Mutex::new(Vec::new()),
        })
    }
    fn delivered(&self) -> usize {
        lock(&self.delivered).len()
    }
}

#[async_trait]
impl MailTransport for FakeTransport {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        if call <= self.failures {
            return Err(format!("fake failure {call} for ana@example.org"));
        }
        lock(&self.delivered).push(message.clone());
        Ok(())
    }
}

fn settings(dir: &Path, capacity: usize, max_attempts: u32) -> MailSettings {
    MailSettings {
        from: "Tessera <no-reply@example.com>".into(),
        transport: MailTransportSettings::File {
            dir: dir.join("outbox"),
        },
        queue_capacity: capacity,
        max_attempts,
        retry_base: Duration::from_millis(10),
        dead_letter_dir: dir.join("dead"),
    }
}

fn start(settings: &MailSettings, transport: Arc<FakeTransport>) -> MailQueue {
    let from = parse_from(&settings.from).unwrap();
    MailQueue::start(from, settings, transport).unwrap()
}

fn mail(text: &str) -> OutgoingMail {
    OutgoingMail {
        to: Email::parse("ana@example.org").unwrap(),
        subject: "Reset your password".into(),
        text: text.into(),
        template: None,
    }
}

#[tokio::test]
async fn retries_until_the_transport_succeeds() {
    let dir = TempDir::new("queue_retry");
    let settings = settings(dir.path(), 8, 3);
    let transport = FakeTransport::new(2, Duration::ZERO);
    let queue = start(&settings, transport.clone());
    queue.send(mail("secret link")).await.unwrap();
    queue.shutdown(Duration::from_secs(5)).await;
    assert_eq!(transport.calls.load(Ordering::SeqCst), 3);
    assert_eq!(transport.delivered(), 1);
    assert!(list_eml(&settings.dead_letter_dir).unwrap().is_empty());
}

#[tokio::test]
async fn dead_letters_after_the_last_attempt() {
    let dir = TempDir::new("queue_dead");
    let settings = settings(dir.path(), 8, 3);
    let transport = FakeTransport::new(u32::MAX, Duration::ZERO);
    let queue = start(&settings, transport.clone());
    queue.send(mail("secret link")).await.unwrap();
    queue.shutdown(Duration::from_secs(5)).await;
    assert_eq!(transport.calls.load(Ordering::SeqCst), 3);
    let dead = list_eml(&settings.dead_letter_dir).unwrap();
    assert_eq!(dead.len(), 1);
    let (to, subject, body) = read_eml_text(&dead[0]).unwrap();
    assert_eq!(
        (to.as_str(), subject.as_str(), body.as_str()),
        ("ana@example.org", "Reset your password", "secret link")
    );
}

#[tokio::test]
async fn full_queue_is_unavailable_and_dead_letters() {
    let dir = TempDir::new("queue_full");
    let settings = settings(dir.path(), 1, 1);
    let transport = FakeTransport::new(0, Duration::from_millis(500));
    let queue = start(&settings, transport.clone());
    // The worker takes the first, the second waits in the channel, the third finds it full.
    queue.send(mail("one")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    queue.send(mail("two")).await.unwrap();
    let err = queue.send(mail("three")).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err:?}");
    let dead = list_eml(&settings.dead_letter_dir).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(read_eml_text(&dead[0]).unwrap().2, "three");
    queue.shutdown(Duration::from_secs(5)).await;
    assert_eq!(transport.delivered(), 2);
    // After shutdown nothing is taken, and nothing is lost either.
    let err = queue.send(mail("four")).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err:?}");
    assert_eq!(list_eml(&settings.dead_letter_dir).unwrap().len(), 2);
}

#[tokio::test]
async fn send_does_not_wait_for_a_slow_transport() {
    let dir = TempDir::new("queue_slow");
    let settings = settings(dir.path(), 8, 1);
    let transport = FakeTransport::new(0, Duration::from_secs(2));
    let queue = start(&settings, transport.clone());
    let started = Instant::now();
    queue.send(mail("a")).await.unwrap();
    queue.send(mail("b")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    // A deadline shorter than the work: the rest goes to the dead-letter folder.
    queue.shutdown(Duration::from_millis(200)).await;
    assert_eq!(transport.delivered(), 0);
    assert_eq!(list_eml(&settings.dead_letter_dir).unwrap().len(), 2);
}

#[tokio::test]
async fn start_mail_queue_with_the_file_transport() {
    let dir = TempDir::new("queue_file");
    let settings = settings(dir.path(), 8, 2);
    let queue = start_mail_queue(settings.clone()).unwrap();
    queue
        .send(mail("Open https://id.example/verify?t=abc"))
        .await
        .unwrap();
    queue.shutdown(Duration::from_secs(5)).await;
    let sent = list_eml(&dir.path().join("outbox")).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        read_eml_text(&sent[0]).unwrap().2,
        "Open https://id.example/verify?t=abc"
    );
    let mut bad = settings.clone();
    bad.from = "nobody".into();
    assert!(matches!(
        start_mail_queue(bad),
        Err(MailSetupError::From { .. })
    ));
    let mut bad = settings;
    bad.queue_capacity = 0;
    assert!(matches!(
        start_mail_queue(bad),
        Err(MailSetupError::Settings(_))
    ));
}

#[test]
fn outside_a_runtime_is_an_error() {
    let dir = TempDir::new("queue_no_rt");
    let settings = settings(dir.path(), 8, 2);
    assert!(matches!(
        start_mail_queue(settings),
        Err(MailSetupError::NoRuntime)
    ));
}

#[test]
fn backoff_doubles_and_is_capped() {
    let base = Duration::from_millis(100);
    assert_eq!(backoff(base, 1), Duration::from_millis(100));
    assert_eq!(backoff(base, 3), Duration::from_millis(400));
    assert_eq!(backoff(base, 60), MAX_BACKOFF);
}
