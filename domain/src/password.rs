//! Passwords as NIST SP 800-63B-4 wants them: long, any characters, no composition rules.

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// Why a password is refused, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("the password must be at least {0} characters long")]
    TooShort(usize),
    /// Over the maximum (hashing cost is bounded, R-08).
    #[error("the password must be at most {0} characters long")]
    TooLong(usize),
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
mod tests {
    use super::*;

    #[test]
    fn length_counts_code_points_and_nothing_else_matters() {
        let p = PasswordPolicy::default();
        assert_eq!(
            Password::parse("short", p),
            Err(PasswordError::TooShort(15))
        );
        assert!(Password::parse("correct horse battery", p).is_ok());
        assert!(
            Password::parse("ééééééééééééééé", p).is_ok(),
            "15 code points"
        );
        assert!(Password::parse(&"a".repeat(256), p).is_ok());
        assert_eq!(
            Password::parse(&"a".repeat(257), p),
            Err(PasswordError::TooLong(256))
        );
        let floor = PasswordPolicy {
            min_chars: 4,
            max_chars: 64,
        };
        assert_eq!(
            Password::parse("1234567", floor),
            Err(PasswordError::TooShort(8))
        );
    }

    #[test]
    fn nfkc_normalises_compatibility_forms() {
        let p = PasswordPolicy::default();
        let a = Password::parse("ｆｕｌｌｗｉｄｔｈ ｐａｓｓｗｏｒｄ", p).unwrap();
        assert_eq!(a.expose(), "fullwidth password");
        assert_eq!(format!("{a:?}"), "Password(..)");
    }
}
