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
mod tests;
