//! Passwords as NIST SP 800-63B-4 wants them: long, any characters, no composition rules, and
//! not one that is common, easy to guess or built from the user's email (ASVS 5.0 6.2.4,
//! 6.2.11, 6.2.12).

use crate::Email;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// Words about the service itself that a password must not contain (ASVS 5.0 6.2.11).
pub const CONTEXT_WORDS: &[&str] = &["tessera"];

/// The least `zxcvbn` score accepted: 3 means "safely unguessable", about 10^8 guesses or
/// more. The estimator's lists hold the 30,000 most common passwords and English words, names
/// and keyboard patterns, so every password on those lists scores lower.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// The shortest email local part that is looked for in a password; shorter ones ("a", "jo")
/// would refuse too many good passwords by accident.
const MIN_LOCAL_PART: usize = 3;

/// Why a password is refused, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("the password must be at least {0} characters long")]
    TooShort(usize),
    /// Over the maximum (hashing cost is bounded, R-08).
    #[error("the password must be at most {0} characters long")]
    TooLong(usize),
    /// On the list of common passwords, or otherwise easy to guess.
    #[error(
        "this password is too common or too easy to guess; \
         try a longer phrase of several unrelated words"
    )]
    TooCommon,
    /// Contains the part of the email address before the `@`.
    #[error("the password must not contain your email name (the part before the @)")]
    ContainsEmailName,
    /// Contains the name of the service.
    #[error("the password must not contain the name of this service ({0})")]
    ContainsServiceName(&'static str),
}

/// Length rules. The minimum defaults to 15 (a password that is the only factor) and is never
/// below 8; the maximum to 256. Each Unicode code point counts as one, after NFKC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_chars: usize,
    /// Most characters.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 15,
            max_chars: 256,
        }
    }
}

/// A password that meets the policy, normalised to NFKC so the same password typed on another
/// keyboard hashes the same. It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Normalises and checks `s` against `policy`. Nothing is trimmed or truncated.
    pub fn parse(s: &str, policy: PasswordPolicy) -> Result<Self, PasswordError> {
        let normalised = Self::normalise(s);
        let n = normalised.chars().count();
        if n < policy.min_chars.max(8) {
            return Err(PasswordError::TooShort(policy.min_chars.max(8)));
        }
        if n > policy.max_chars {
            return Err(PasswordError::TooLong(policy.max_chars));
        }
        Ok(Self(normalised))
    }

    /// Everything [`Password::parse`] checks, and then that the password is not common or easy to
    /// guess and contains neither the local part of `email` nor the name of the service. This is
    /// the check for a password being set (registration, change, reset); `parse` alone only
    /// knows about length.
    pub fn parse_for(
        s: &str,
        policy: PasswordPolicy,
        email: &Email,
    ) -> Result<Self, PasswordError> {
        let password = Self::parse(s, policy)?;
        let lower = password.0.to_lowercase();
        let local = Self::normalise(email.local_part()).to_lowercase();
        if local.chars().count() >= MIN_LOCAL_PART && lower.contains(&local) {
            return Err(PasswordError::ContainsEmailName);
        }
        if let Some(word) = CONTEXT_WORDS.iter().find(|w| lower.contains(*w)) {
            return Err(PasswordError::ContainsServiceName(word));
        }
        let hints = [local.as_str(), email.as_str()];
        if zxcvbn::zxcvbn(&password.0, &hints).score() < MIN_SCORE {
            return Err(PasswordError::TooCommon);
        }
        Ok(password)
    }

    /// NFKC form of a presented password, for verification against a stored hash.
    pub fn normalise(s: &str) -> String {
        s.nfkc().collect()
    }

    /// The normalised text, to hand to the hasher.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests;
