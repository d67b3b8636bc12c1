//! Delivery to an SMTP relay through lettre's async client on tokio. TLS goes through
//! native-tls (OpenSSL on Linux, already linked for josekit). One connection per message: the
//! volume is a few sign-up and reset mails, not worth a pool.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::{MailSetupError, MailTransport, SmtpTls};

/// Sends each message to one SMTP relay.
#[derive(Clone)]
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    tls: SmtpTls,
}

// By hand: says where mail goes, never the credentials.
impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    /// Sets up the client (no connection yet). Errors: an empty host, a username without a
    /// password or the reverse, a TLS connector that cannot be built.
    pub fn new(
        host: &str,
        port: u16,
        tls: SmtpTls,
        username: Option<&str>,
        password: Option<&SecretString>,
        timeout: Duration,
    ) -> Result<Self, MailSetupError> {
        let host = host.trim();
        if host.is_empty() {
            return Err(MailSetupError::Settings("the SMTP host is empty".into()));
        }
        let smtp_err = |e: lettre::transport::smtp::Error| MailSetupError::Smtp(e.to_string());
        let builder = match tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(smtp_err)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(smtp_err)?,
        };
        let builder = builder.port(port).timeout(Some(timeout));
        let builder = match (username, password) {
            (Some(user), Some(password)) => builder.credentials(Credentials::new(
                user.to_owned(),
                password.expose_secret().to_owned(),
            )),
            (None, None) => builder,
            (Some(_), None) => {
                return Err(MailSetupError::Settings(
                    "an SMTP username is set but no password".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(MailSetupError::Settings(
                    "an SMTP password is set but no username".into(),
                ))
            }
        };
        Ok(Self {
            inner: builder.build(),
            host: host.to_owned(),
            port,
            tls,
        })
    }
}

#[async_trait]
impl MailTransport for SmtpTransport {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        self.inner
            .send_raw(message.envelope(), &message.formatted())
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP {}:{}: {e}", self.host, self.port))
    }
}

#[cfg(test)]
mod tests;
