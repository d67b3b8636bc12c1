//! Outgoing mail (`mail.*`).

use super::raw::{RawMail, RawMailTransport, RawSmtpTls};
use super::ConfigError;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;
use tessera_adapters::mail::{MailSettings, MailTransportSettings, SmtpTls};

/// How mail leaves Tessera.
#[derive(Debug, Clone)]
pub enum MailDelivery {
    /// One `.eml` file per message in `mail.outbox_dir` (development: nothing is lost).
    File,
    /// An SMTP relay.
    Smtp(SmtpConfig),
}

/// The SMTP relay (`mail.smtp_*`).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// TLS towards the relay.
    pub tls: SmtpTls,
    /// User name, if the relay wants one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<SecretString>,
    /// How long one delivery may take.
    pub timeout: Duration,
}

/// Mail settings.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// File or SMTP.
    pub delivery: MailDelivery,
    /// The From address, e.g. `Tessera <no-reply@example.com>`.
    pub from: String,
    /// Where the file transport writes messages; undeliverable messages of either transport
    /// go to its `failed/` folder.
    pub outbox_dir: PathBuf,
    /// Messages waiting for delivery at most; beyond, new ones go straight to `failed/`.
    pub queue_capacity: usize,
    /// Delivery attempts per message before it is put in `failed/`.
    pub max_attempts: u32,
    /// Wait before the first retry; it doubles each time.
    pub retry_base: Duration,
}

impl MailConfig {
    /// The mail queue's settings.
    pub fn queue_settings(&self) -> MailSettings {
        let transport = match &self.delivery {
            MailDelivery::File => MailTransportSettings::File {
                dir: self.outbox_dir.clone(),
            },
            MailDelivery::Smtp(smtp) => MailTransportSettings::Smtp {
                host: smtp.host.clone(),
                port: smtp.port,
                tls: smtp.tls,
                username: smtp.username.clone(),
                password: smtp.password.clone(),
                timeout: smtp.timeout,
            },
        };
        MailSettings {
            from: self.from.clone(),
            transport,
            queue_capacity: self.queue_capacity,
            max_attempts: self.max_attempts,
            retry_base: self.retry_base,
            dead_letter_dir: self.outbox_dir.join("failed"),
        }
    }
}

impl RawMail {
    pub(super) fn parse(&self) -> Result<MailConfig, ConfigError> {
        let delivery = match self.transport {
            RawMailTransport::File => MailDelivery::File,
            RawMailTransport::Smtp => MailDelivery::Smtp(SmtpConfig {
                host: self
                    .smtp_host
                    .clone()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| {
                        ConfigError::invalid(
                            "mail.smtp_host",
                            "is required with mail.transport = \"smtp\"",
                        )
                    })?,
                port: self.smtp_port,
                tls: match self.smtp_tls {
                    RawSmtpTls::None => SmtpTls::None,
                    RawSmtpTls::Starttls => SmtpTls::StartTls,
                    RawSmtpTls::Tls => SmtpTls::Tls,
                },
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
                timeout: Duration::from_secs(self.smtp_timeout_secs),
            }),
        };
        if self.from.trim().is_empty() {
            return Err(ConfigError::invalid("mail.from", "must be an address"));
        }
        if self.queue_capacity == 0 || self.max_attempts == 0 {
            return Err(ConfigError::invalid(
                "mail.queue_capacity",
                "queue_capacity and max_attempts must be at least 1",
            ));
        }
        Ok(MailConfig {
            delivery,
            from: self.from.clone(),
            outbox_dir: self.outbox_dir.clone(),
            queue_capacity: self.queue_capacity,
            max_attempts: self.max_attempts,
            retry_base: Duration::from_millis(self.retry_base_ms),
        })
    }
}
