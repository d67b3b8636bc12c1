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

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    fn set(s: &str) -> Result<Password, PasswordError> {
        Password::parse_for(
            s,
            PasswordPolicy::default(),
            &email("ada.lovelace@example.com"),
        )
    }

    #[test]
    fn common_and_guessable_passwords_are_refused() {
        for weak in [
            "password1234567",
            "qwertyuiopasdfgh",
            "passwordpassword",
            "iloveyou12345678",
            "1234567890123456",
            "aaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyz",
            "P@ssw0rd12345678",
            "QWERTYUIOPASDFGH",
        ] {
            assert_eq!(set(weak), Err(PasswordError::TooCommon), "{weak}");
        }
        let msg = PasswordError::TooCommon.to_string();
        assert!(msg.contains("too common or too easy to guess"), "{msg}");
    }

    #[test]
    fn long_phrases_pass_without_composition_rules() {
        // The famous xkcd phrase: zxcvbn scores it 4 (about 10^19 guesses), so it is allowed.
        assert!(set("correct horse battery staple").is_ok());
        assert!(set("correcthorsebatterystaple").is_ok());
        // Only lowercase letters, no digit, no symbol: 20 characters is enough.
        assert!(set("zqvtmrlkwpxjdnhbfgsy").is_ok());
        assert!(set("amber quiet river lamp").is_ok());
        assert!(set("velvet-orbit-lantern-92-quarry").is_ok());
    }

    #[test]
    fn the_email_name_and_the_service_name_are_refused() {
        let e = email("Ada.Lovelace@example.com");
        let p = PasswordPolicy::default();
        assert_eq!(
            Password::parse_for("my ada.lovelace amber quiet river", p, &e),
            Err(PasswordError::ContainsEmailName)
        );
        assert_eq!(
            Password::parse_for("amber ADA.LOVELACE quiet river", p, &e),
            Err(PasswordError::ContainsEmailName),
            "case-insensitive"
        );
        assert_eq!(
            Password::parse_for("amber quiet river bob lamp", p, &email("bob@example.com")),
            Err(PasswordError::ContainsEmailName)
        );
        // A local part under 3 characters is not looked for.
        assert!(
            Password::parse_for("jo amber quiet river lamp", p, &email("jo@example.com")).is_ok()
        );
        assert_eq!(
            Password::parse_for("my Tessera amber quiet river", p, &e),
            Err(PasswordError::ContainsServiceName("tessera"))
        );
        assert_eq!(
            PasswordError::ContainsEmailName.to_string(),
            "the password must not contain your email name (the part before the @)"
        );
    }

    #[test]
    fn length_rules_hold_in_parse_for() {
        let e = email("ada@example.com");
        assert_eq!(set("amber quiet"), Err(PasswordError::TooShort(15)));
        let floor = PasswordPolicy {
            min_chars: 1,
            max_chars: 256,
        };
        assert_eq!(
            Password::parse_for("zq7vtm!", floor, &e),
            Err(PasswordError::TooShort(8)),
            "never below 8"
        );
        assert!(Password::parse_for("zq7vtm!kw", floor, &e).is_ok());
        // 64 and 256 characters are allowed and kept whole; 257 is not.
        let phrase = "amber quiet river lamp velvet orbit lantern 92 quarry thistle moss";
        let p64: String = phrase.chars().cycle().take(64).collect();
        assert_eq!(set(&p64).unwrap().expose(), p64, "not truncated");
        let p256: String = phrase.chars().cycle().take(256).collect();
        assert_eq!(set(&p256).unwrap().expose().chars().count(), 256);
        let p257: String = phrase.chars().cycle().take(257).collect();
        assert_eq!(set(&p257), Err(PasswordError::TooLong(256)));
        // A long keyboard walk must not panic the estimator.
        let walk: String = "qwertyuiop".chars().cycle().take(256).collect();
        assert_eq!(set(&walk), Err(PasswordError::TooCommon));
        let _ = set(&"xk".repeat(128));
        let _ = set(&"zaq1xsw2cde3".repeat(21));
    }

    #[test]
    fn parse_for_normalises_to_nfkc_first() {
        let e = email("ada@example.com");
        let p = PasswordPolicy::default();
        let a = Password::parse_for("ａｍｂｅｒ ｑｕｉｅｔ ｒｉｖｅｒ ｌａｍｐ", p, &e).unwrap();
        assert_eq!(a.expose(), "amber quiet river lamp");
        // A fullwidth "password" is the same common password once normalised.
        assert_eq!(
            Password::parse_for("ｐａｓｓｗｏｒｄ１２３４５６７", p, &e),
            Err(PasswordError::TooCommon)
        );
        // ...and a fullwidth email name is still the email name.
        assert_eq!(
            Password::parse_for("amber ＡＤＡ quiet river lamp", p, &e),
            Err(PasswordError::ContainsEmailName)
        );
        // Each code point counts as one: 15 accented letters are long enough.
        assert_eq!(
            Password::parse("ééééééééééééééé", p).map(|p| p.expose().chars().count()),
            Ok(15)
        );
    }
}
