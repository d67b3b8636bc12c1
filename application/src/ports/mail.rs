use async_trait::async_trait;
use tessera_domain::{Email, UserId};

/// A plain-text message to one person. The sender address is the mailer's own setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient.
    pub to: Email,
    /// The subject line (English; replaced when the adapters render [`Self::template`]).
    pub subject: String,
    /// The body, plain UTF-8 text (English, as above).
    pub text: String,
    /// Which message this is and its values, so the adapters can write it in the reader's
    /// language with the operator's product name; `None`: sent as `subject` and `text`.
    pub template: Option<MailTemplate>,
}

/// A mail as a kind and named values: the wording lives with the adapters' catalogues
/// (`mail.<kind>_subject`, `mail.<kind>_body`), not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailTemplate {
    /// `verify_email`, `password_reset`, `registration_notice`, `recovery_code_used`,
    /// `factors_reset`, `totp_on`, `totp_off`, `recovery_codes_renewed`, `passkey_added`,
    /// `passkey_removed`.
    pub kind: &'static str,
    /// The placeholders' values (`email`, `link`, …).
    pub args: Vec<(&'static str, String)>,
}

impl MailTemplate {
    /// A template of `kind` with `args`.
    pub fn new(kind: &'static str, args: &[(&'static str, &str)]) -> Self {
        Self {
            kind,
            args: args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }
}

/// Why a message could not be accepted for delivery.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The queue is full or closed; the message was not taken.
    #[error("the mail queue is not accepting messages: {0}")]
    Unavailable(String),
    /// The transport refused or failed.
    #[error("mail delivery failed: {0}")]
    Transport(String),
}

/// Hands messages over for delivery. Implementations return once the message is accepted
/// (queued or written), never after a round trip to a slow mail server: services call it
/// after their database commit, on the request's path.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Accepts `mail` for delivery.
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError>;
}

/// How many mails one account may be sent of one kind, so nobody can flood an inbox through
/// the public endpoints that send mail (reset, verification). Implementations count per
/// process or share the count between processes (hence async).
#[async_trait]
pub trait MailBudget: Send + Sync {
    /// Takes one mail of `kind` for `user`; false when the budget is spent: send nothing.
    async fn try_take(&self, user: &UserId, kind: &str) -> bool;
}

/// No limit: for the CLI and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnlimitedMail;

#[async_trait]
impl MailBudget for UnlimitedMail {
    async fn try_take(&self, _user: &UserId, _kind: &str) -> bool {
        true
    }
}
