//! Mails in the reader's language: the application hands over a [`MailTemplate`] with the
//! English text, and this mailer writes subject and body again from the `mail` catalogue in
//! the language of the request that caused the mail ([`crate::i18n::current_locale`]), with
//! the operator's product name.

use crate::i18n::{self, Locale};
use async_trait::async_trait;
use std::sync::Arc;
use tessera_application::ports::{MailError, MailTemplate, Mailer, OutgoingMail};

/// Every mail kind and its subject and body keys.
const KINDS: [(&str, &str, &str); 10] = [
    (
        "verify_email",
        "mail.verify_email_subject",
        "mail.verify_email_body",
    ),
    (
        "password_reset",
        "mail.password_reset_subject",
        "mail.password_reset_body",
    ),
    (
        "registration_notice",
        "mail.registration_notice_subject",
        "mail.registration_notice_body",
    ),
    (
        "recovery_code_used",
        "mail.recovery_code_used_subject",
        "mail.recovery_code_used_body",
    ),
    (
        "factors_reset",
        "mail.factors_reset_subject",
        "mail.factors_reset_body",
    ),
    ("totp_on", "mail.totp_on_subject", "mail.totp_on_body"),
    ("totp_off", "mail.totp_off_subject", "mail.totp_off_body"),
    (
        "recovery_codes_renewed",
        "mail.recovery_codes_renewed_subject",
        "mail.recovery_codes_renewed_body",
    ),
    (
        "passkey_added",
        "mail.passkey_added_subject",
        "mail.passkey_added_body",
    ),
    (
        "passkey_removed",
        "mail.passkey_removed_subject",
        "mail.passkey_removed_body",
    ),
];

/// Wraps the real mailer (the queue).
pub struct LocalizedMailer {
    inner: Arc<dyn Mailer>,
    product: String,
}

impl LocalizedMailer {
    /// Mails through `inner`, signed with `product` (the branding's product name).
    pub fn new(inner: Arc<dyn Mailer>, product: impl Into<String>) -> Self {
        Self {
            inner,
            product: product.into(),
        }
    }
}

/// Subject and body of `template` in `locale`, or `None` for a kind without texts.
pub fn render(template: &MailTemplate, locale: Locale, product: &str) -> Option<(String, String)> {
    let &(_, subject, body) = KINDS.iter().find(|(kind, _, _)| *kind == template.kind)?;
    let mut args: Vec<(&str, &str)> = template
        .args
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    args.push(("product", product));
    let signature = i18n::fill(locale, "mail.signature", &[("product", product)]);
    let text = format!("{}\n\n{signature}\n", i18n::fill(locale, body, &args));
    Some((i18n::fill(locale, subject, &args), text))
}

#[async_trait]
impl Mailer for LocalizedMailer {
    async fn send(&self, mut mail: OutgoingMail) -> Result<(), MailError> {
        if let Some(template) = &mail.template {
            if let Some((subject, text)) = render(template, i18n::current_locale(), &self.product) {
                mail.subject = subject;
                mail.text = text;
            }
        }
        self.inner.send(mail).await
    }
}

#[cfg(test)]
mod tests;
