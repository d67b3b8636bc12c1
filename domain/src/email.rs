//! Email addresses, as people sign in with them.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Why a string is not an email address Tessera accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Longer than 254 characters (RFC 5321 §4.5.3.1.3) or with a local part over 64.
    #[error("email is too long")]
    TooLong,
    /// Not of the form local@domain.
    #[error("email must look like name@example.com")]
    Shape,
}

/// An email address in its canonical form: the whole address NFC-normalised and lower-cased,
/// so `Alice@Example.com` and `alice@example.com` are one account. RFC 5321 lets a server
/// treat the local part case-sensitively, but virtually no mail provider does, and two
/// accounts told apart only by case would confuse people more than any mailbox it could
/// serve. Stored, compared and looked up only in this form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Longest input even looked at: four times the longest address (NFC and lower-casing change
/// lengths, so the limits are checked on the canonical form), so junk costs no work.
const MAX_INPUT_BYTES: usize = 4 * 254;

impl Email {
    /// Parses an address into its canonical form (see [`Email`]); surrounding white space is
    /// refused rather than trimmed, so what is stored is exactly what was checked.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        if s.len() > MAX_INPUT_BYTES {
            return Err(EmailError::TooLong);
        }
        let s = canonical(s);
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Shape)?;
        if local.len() > 64 {
            return Err(EmailError::TooLong);
        }
        let local_ok = !local.is_empty()
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| {
                c.is_alphanumeric()
                    || (c.is_ascii_punctuation()
                        && !matches!(
                            c,
                            '@' | '"' | '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | '\\' | ']'
                        ))
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Shape);
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`, used to refuse passwords that contain it.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }
}

/// Text in the form [`Email`] stores (NFC, lower case), for searching by part of an address.
///
/// NFC, lower case, NFC again: lower-casing can leave a sequence that composes (and NFC can
/// expose a capital), so one round of each is not always a fixed point; this is.
pub fn canonical(s: &str) -> String {
    let lower: String = s.nfc().collect::<String>().to_lowercase();
    lower.nfc().collect()
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
