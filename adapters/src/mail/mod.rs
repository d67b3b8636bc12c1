//! Outgoing mail: the [`Mailer`](tessera_application::ports::Mailer) port behind a bounded
//! in-memory queue, delivered by one background worker through a file outbox or SMTP.
//!
//! - [`outbox`]: `.eml` files in a folder (the development default, and the dead-letter folder),
//!   plus [`outbox::read_eml_text`] so tests can find the links that were mailed.
//! - [`smtp`]: delivery to a relay through lettre's async SMTP client (TLS via native-tls).
//! - [`queue`]: [`MailQueue`], the port implementation: `send` only enqueues; retries, backoff
//!   and dead letters happen in the worker.
//!
//! Message bodies hold single-use links, which are secrets: nothing here logs a body, and log
//! lines name the recipient's domain only.

pub mod localized;
pub mod outbox;
pub mod queue;
pub mod smtp;
#[cfg(test)]
mod test_support;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Address, Message};
use secrecy::SecretString;
use tessera_application::ports::OutgoingMail;

pub use localized::LocalizedMailer;
pub use outbox::FileOutbox;
pub use queue::{start_mail_queue, MailQueue};
pub use smtp::SmtpTransport;

/// Everything the mail queue needs, read from the server's configuration.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The From mailbox, `addr@example.com` or `Tessera <addr@example.com>`; its domain also
    /// names the Message-ID.
    pub from: String,
    /// Where messages go.
    pub transport: MailTransportSettings,
    /// How many messages may wait for the worker; beyond that `send` refuses (and dead-letters)
    /// rather than letting a slow relay grow memory without bound.
    pub queue_capacity: usize,
    /// Delivery attempts per message, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each further one (capped at ten minutes).
    pub retry_base: Duration,
    /// Where messages that could not be delivered are written as `.eml`, so none is lost.
    pub dead_letter_dir: PathBuf,
}

/// How messages leave the process.
#[derive(Debug, Clone)]
pub enum MailTransportSettings {
    /// Write each message as an `.eml` file into `dir`: development, nothing silently dropped.
    File {
        /// The outbox folder, created (0700) if missing.
        dir: PathBuf,
    },
    /// Hand each message to an SMTP relay.
    Smtp {
        /// The relay's host name (also the name its TLS certificate must match).
        host: String,
        /// The relay's port (commonly 25 or 587 with STARTTLS, 465 with TLS).
        port: u16,
        /// How the connection is protected.
        tls: SmtpTls,
        /// Login name, if the relay wants authentication (then `password` too).
        username: Option<String>,
        /// Login password; never logged.
        password: Option<SecretString>,
        /// Bound on connecting and on each command's reply, so a stuck relay cannot hold the
        /// worker forever.
        timeout: Duration,
    },
}

/// Transport security towards the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (never silently skipped).
    StartTls,
    /// TLS from the first byte (implicit TLS, "SMTPS").
    Tls,
}

/// Why the mail queue could not start: all configuration mistakes, reported at start-up rather
/// than on the first sign-up.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    /// The From setting is not a mailbox lettre can send from.
    #[error("mail From address {value:?} is not usable: {reason}")]
    From {
        /// The configured value (an address, not a secret).
        value: String,
        /// What lettre objected to.
        reason: String,
    },
    /// A setting is out of range or inconsistent.
    #[error("invalid mail settings: {0}")]
    Settings(String),
    /// The SMTP client could not be set up (for instance the TLS connector).
    #[error("cannot set up the SMTP transport: {0}")]
    Smtp(String),
    /// The outbox or dead-letter folder could not be created.
    #[error("cannot create mail folder {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The file-system error.
        source: std::io::Error,
    },
    /// Called outside a tokio runtime, so there is nowhere to run the worker.
    #[error("the mail queue must be started inside a tokio runtime")]
    NoRuntime,
}

/// Delivers one built message. Internal so that tests can put a fake behind the queue.
#[async_trait]
pub(crate) trait MailTransport: Send + Sync + 'static {
    /// Delivers `message`; the error is a description for the log (it must not hold the body).
    async fn deliver(&self, message: &Message) -> Result<(), String>;
}

/// Parses the configured From mailbox.
pub(crate) fn parse_from(from: &str) -> Result<Mailbox, MailSetupError> {
    from.trim()
        .parse::<Mailbox>()
        .map_err(|e| MailSetupError::From {
            value: from.to_owned(),
            reason: e.to_string(),
        })
}

/// Builds the RFC 5322 message: plain UTF-8 text, Date and a Message-ID under the From domain
/// (no host name lookup; the random part keeps ids unique).
pub(crate) fn build_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, String> {
    let to: Address = mail
        .to
        .as_str()
        .parse()
        .map_err(|e| format!("the recipient address is not usable by the mailer: {e}"))?;
    // A header cannot hold a line break; a subject is one line.
    let subject: String = mail
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message_id = format!("<{}@{}>", random_hex(16), from.email.domain());
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(subject)
        .message_id(Some(message_id))
        .date_now()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// The recipient's domain, which is all that log lines say about who a message was for.
pub(crate) fn recipient_domain(message: &Message) -> String {
    message
        .envelope()
        .to()
        .first()
        .map_or_else(|| "(no recipient)".to_owned(), |a| a.domain().to_owned())
}

/// Replaces the recipient's full address in `text` (a relay's reply may echo it) with its
/// domain only.
pub(crate) fn redact_recipient(message: &Message, text: &str) -> String {
    let mut out = text.to_owned();
    for to in message.envelope().to() {
        let full: &str = to.as_ref();
        if !full.is_empty() {
            out = out.replace(full, &format!("…@{}", to.domain()));
        }
    }
    out
}

/// `n` random bytes from OpenSSL as lowercase hex: names and ids only, not secrets.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if openssl::rand::rand_bytes(&mut bytes).is_err() {
        // Uniqueness matters here, not secrecy: fall back to time and a counter.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let c = COUNTER.fetch_add(1, Ordering::Relaxed);
        return format!("{nanos:x}{c:x}{:x}", std::process::id());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
