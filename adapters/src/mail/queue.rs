//! [`MailQueue`]: the [`Mailer`] port. `send` builds the message and puts it in a bounded
//! channel without waiting (services call it on the request's path, after their commit); one
//! worker task delivers with retries and exponential backoff. A message that cannot be
//! delivered, or that finds the queue full or closed, is written to the dead-letter folder so
//! an operator can resend it: nothing is lost silently.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::Message;
use tessera_application::ports::{MailError, Mailer, OutgoingMail};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::outbox::FileOutbox;
use super::smtp::SmtpTransport;
use super::{
    build_message, parse_from, recipient_domain, redact_recipient, MailSettings, MailSetupError,
    MailTransport, MailTransportSettings,
};

/// Longest wait between two attempts, however many attempts are configured.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// Largest queue: beyond this the memory held by waiting messages stops being "bounded" in
/// any useful sense (and tokio's channel has a hard limit of its own).
const MAX_CAPACITY: usize = 1_000_000;

/// Starts the queue and its worker. Must be called inside a tokio runtime (spawns the worker).
/// Errors: bad From address, bad SMTP settings, a folder that cannot be created, a zero queue
/// capacity or attempt count.
pub fn start_mail_queue(settings: MailSettings) -> Result<MailQueue, MailSetupError> {
    let from = parse_from(&settings.from)?;
    let transport: Arc<dyn MailTransport> = match &settings.transport {
        MailTransportSettings::File { dir } => Arc::new(open_folder(dir)?),
        MailTransportSettings::Smtp {
            host,
            port,
            tls,
            username,
            password,
            timeout,
        } => Arc::new(SmtpTransport::new(
            host,
            *port,
            *tls,
            username.as_deref(),
            password.as_ref(),
            *timeout,
        )?),
    };
    MailQueue::start(from, &settings, transport)
}

fn open_folder(dir: &std::path::Path) -> Result<FileOutbox, MailSetupError> {
    FileOutbox::new(dir).map_err(|source| MailSetupError::Folder {
        path: dir.to_owned(),
        source,
    })
}

/// The mail queue: implements [`Mailer`]; call [`shutdown`](Self::shutdown) before exit so
/// queued messages are delivered (or dead-lettered) rather than dropped with the process.
pub struct MailQueue {
    from: Mailbox,
    sender: Mutex<Option<mpsc::Sender<Message>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    abandon: watch::Sender<bool>,
    dead_letter: FileOutbox,
}

impl fmt::Debug for MailQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailQueue")
            .field("from", &self.from.to_string())
            .field("dead_letter", &self.dead_letter.dir())
            .finish_non_exhaustive()
    }
}

impl MailQueue {
    pub(crate) fn start(
        from: Mailbox,
        settings: &MailSettings,
        transport: Arc<dyn MailTransport>,
    ) -> Result<Self, MailSetupError> {
        if settings.queue_capacity == 0 || settings.queue_capacity > MAX_CAPACITY {
            return Err(MailSetupError::Settings(format!(
                "the mail queue capacity must be between 1 and {MAX_CAPACITY}"
            )));
        }
        if settings.max_attempts == 0 {
            return Err(MailSetupError::Settings(
                "mail delivery needs at least 1 attempt".into(),
            ));
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| MailSetupError::NoRuntime)?;
        let dead_letter = open_folder(&settings.dead_letter_dir)?;
        let (sender, receiver) = mpsc::channel(settings.queue_capacity);
        let (abandon, abandoned) = watch::channel(false);
        let worker = Worker {
            transport,
            max_attempts: settings.max_attempts,
            retry_base: settings.retry_base,
            dead_letter: dead_letter.clone(),
        };
        let handle = runtime.spawn(worker.run(receiver, abandoned));
        Ok(Self {
            from,
            sender: Mutex::new(Some(sender)),
            worker: Mutex::new(Some(handle)),
            abandon,
            dead_letter,
        })
    }

    /// Stops taking messages and waits up to `deadline` for the worker to deliver what is
    /// queued (retries included). Past the deadline, the message in flight and those still
    /// queued are written to the dead-letter folder instead. Calling it again does nothing.
    pub async fn shutdown(&self, deadline: Duration) {
        // Dropping the only sender closes the channel: the worker drains it, then ends.
        drop(lock(&self.sender).take());
        let Some(mut handle) = lock(&self.worker).take() else {
            return;
        };
        if tokio::time::timeout(deadline, &mut handle).await.is_ok() {
            return;
        }
        log::error!(
            "mail queue not drained within {deadline:?}; writing what is left to the dead-letter folder {}",
            self.dead_letter.dir().display()
        );
        let _ = self.abandon.send(true);
        // Dead-lettering is local file writes; bounded all the same.
        if tokio::time::timeout(Duration::from_secs(5), &mut handle)
            .await
            .is_err()
        {
            handle.abort();
            log::error!("mail worker did not stop; queued messages may be lost");
        }
    }

    /// Writes a message the queue would not take to the dead-letter folder.
    async fn refuse(&self, message: Message, why: &str) -> MailError {
        let domain = recipient_domain(&message);
        match self.dead_letter.write_async(message.formatted()).await {
            Ok(path) => log::error!(
                "mail to @{domain} not queued ({why}); written to {}",
                path.display()
            ),
            Err(e) => log::error!(
                "mail to @{domain} not queued ({why}) and LOST: cannot write to the dead-letter folder {}: {e}",
                self.dead_letter.dir().display()
            ),
        }
        MailError::Unavailable(why.to_owned())
    }
}

#[async_trait]
impl Mailer for MailQueue {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let message = build_message(&self.from, &mail).map_err(MailError::Transport)?;
        let refused = {
            let sender = lock(&self.sender);
            match sender.as_ref() {
                None => Some((message, "the mail queue is shut down")),
                Some(sender) => match sender.try_send(message) {
                    Ok(()) => None,
                    Err(mpsc::error::TrySendError::Full(m)) => Some((m, "the mail queue is full")),
                    Err(mpsc::error::TrySendError::Closed(m)) => {
                        Some((m, "the mail queue is closed"))
                    }
                },
            }
        };
        match refused {
            None => Ok(()),
            Some((message, why)) => Err(self.refuse(message, why).await),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded values stay consistent even if a holder panicked (take/try_send only).
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The background task: delivers one message at a time.
struct Worker {
    transport: Arc<dyn MailTransport>,
    max_attempts: u32,
    retry_base: Duration,
    dead_letter: FileOutbox,
}

impl Worker {
    async fn run(self, mut receiver: mpsc::Receiver<Message>, mut abandon: watch::Receiver<bool>) {
        loop {
            let message = tokio::select! {
                biased;
                () = abandoned(&mut abandon) => break,
                next = receiver.recv() => match next {
                    Some(message) => message,
                    None => return,
                },
            };
            tokio::select! {
                biased;
                () = abandoned(&mut abandon) => {
                    self.dead_letter(&message, "the shutdown deadline passed during delivery")
                        .await;
                    break;
                }
                () = self.deliver(&message) => {}
            }
        }
        receiver.close();
        while let Ok(message) = receiver.try_recv() {
            self.dead_letter(&message, "the shutdown deadline passed before delivery")
                .await;
        }
    }

    /// Tries up to `max_attempts` times, then dead-letters.
    async fn deliver(&self, message: &Message) {
        let domain = recipient_domain(message);
        for attempt in 1..=self.max_attempts {
            match self.transport.deliver(message).await {
                Ok(()) => {
                    log::debug!("mail to @{domain} delivered (attempt {attempt})");
                    return;
                }
                Err(e) => {
                    let e = redact_recipient(message, &e);
                    if attempt == self.max_attempts {
                        let why = format!("giving up after {attempt} attempt(s): {e}");
                        self.dead_letter(message, &why).await;
                        return;
                    }
                    let delay = backoff(self.retry_base, attempt);
                    log::warn!(
                        "mail to @{domain}: attempt {attempt}/{} failed ({e}); retrying in {delay:?}",
                        self.max_attempts
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn dead_letter(&self, message: &Message, why: &str) {
        let domain = recipient_domain(message);
        match self.dead_letter.write_async(message.formatted()).await {
            Ok(path) => log::error!(
                "mail to @{domain} not delivered ({why}); written to {}",
                path.display()
            ),
            Err(e) => log::error!(
                "mail to @{domain} not delivered ({why}) and LOST: cannot write to the dead-letter folder {}: {e}",
                self.dead_letter.dir().display()
            ),
        }
    }
}

/// Resolves once shutdown gave up waiting; never if the queue was dropped without shutdown (the
/// worker then drains the closed channel normally).
async fn abandoned(abandon: &mut watch::Receiver<bool>) {
    if abandon.wait_for(|gave_up| *gave_up).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `base · 2^(attempt-1)`, capped.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
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
}
