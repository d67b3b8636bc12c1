//! Email addresses, as people sign in with them.

use std::fmt;

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

/// An email address: `local@domain`, the domain lowercased so that lookups are stable, the
/// local part kept as typed (it is case-sensitive by RFC 5321, even if few servers treat it so).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address; surrounding white space is refused rather than trimmed, so what is
    /// stored is exactly what was checked.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
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
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
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

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse("Ann.Lee+x@Example.COM").unwrap().as_str(),
            "Ann.Lee+x@example.com"
        );
        assert_eq!(Email::parse("a@b.co").unwrap().local_part(), "a");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.com",
            "a@b..com",
            "a b@c.com",
            " a@b.com",
            "a@b.com ",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b-.com",
            "a\"b@c.com",
            "a@b@c.com",
            "a@b_c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(65);
        assert_eq!(
            Email::parse(&format!("{local}@b.com")),
            Err(EmailError::TooLong)
        );
        let long = format!("a@{}.com", "b".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
