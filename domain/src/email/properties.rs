//! Property tests of email parsing: the canonical form is a fixed point of parsing and of
//! [`canonical`], case never tells two addresses apart, what is accepted has the shape and
//! length limits promised, and no input panics.

use super::*;
use proptest::prelude::*;

proptest! {
    /// The canonical form is a fixed point: parsing it again changes nothing.
    #[test]
    fn canonical_form_is_stable(s in "\\PC{1,40}@[\\PC&&[^@]]{1,20}\\.[a-zA-Z]{2,6}") {
        if let Ok(e) = Email::parse(&s) {
            prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            prop_assert_eq!(e.as_str().to_lowercase(), e.as_str());
        }
    }

    /// Case never tells two addresses apart.
    #[test]
    fn case_never_matters(local in "[a-zA-Z0-9.+_-]{1,30}", domain in "[a-zA-Z0-9]{1,20}\\.[a-zA-Z]{2,6}") {
        let s = format!("{local}@{domain}");
        let upper = Email::parse(&s.to_uppercase());
        prop_assert_eq!(Email::parse(&s), upper.clone());
        prop_assert_eq!(Email::parse(&s.to_lowercase()), upper);
    }

    /// Parsing never panics, whatever the input.
    #[test]
    fn parse_never_panics(s in "\\PC{0,300}") {
        let _ = Email::parse(&s);
    }

    /// [`canonical`] is idempotent on any text: the search form of a search form is itself.
    #[test]
    fn canonical_is_idempotent(s in any::<String>()) {
        let once = canonical(&s);
        prop_assert_eq!(canonical(&once), once);
    }

    /// Parsing never panics on arbitrary text either (not only printable characters).
    #[test]
    fn parse_never_panics_on_any_text(s in any::<String>()) {
        let _ = Email::parse(&s);
    }

    /// What is accepted is canonical, has one `@` with a non-empty local part of at most 64
    /// bytes and a dotted domain, is at most 254 bytes, holds no white space or control
    /// character, and parses back to itself from its display form.
    #[test]
    fn accepted_addresses_keep_the_promised_shape(
        s in "[\\PC&&[^@]]{1,20}@[\\PC&&[^@]]{1,20}\\.[\\PC&&[^@.]]{2,6}",
    ) {
        if let Ok(e) = Email::parse(&s) {
            let t = e.as_str();
            prop_assert_eq!(canonical(t), t);
            prop_assert!(t.len() <= 254);
            prop_assert_eq!(t.matches('@').count(), 1);
            let (local, domain) = t.split_once('@').unwrap_or_default();
            prop_assert!(!local.is_empty() && local.len() <= 64);
            prop_assert!(domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
            prop_assert!(!t.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert_eq!(e.local_part(), local);
            prop_assert_eq!(Email::parse(&e.to_string()), Ok(e.clone()));
        }
    }

    /// Ordinary addresses are accepted and come out lower-cased, otherwise unchanged.
    #[test]
    fn ordinary_addresses_are_accepted(
        local in "[a-zA-Z0-9+_-]{1,10}(\\.[a-zA-Z0-9+_-]{1,10}){0,2}",
        domain in "[a-zA-Z0-9]{1,10}(-[a-zA-Z0-9]{1,5})?(\\.[a-zA-Z]{2,6}){1,2}",
    ) {
        let s = format!("{local}@{domain}");
        prop_assert_eq!(Email::parse(&s).map(|e| e.to_string()), Ok(s.to_lowercase()));
    }

    /// Surrounding or inner white space is refused, never trimmed.
    #[test]
    fn white_space_is_refused(
        local in "[a-z0-9]{1,10}",
        domain in "[a-z0-9]{1,10}\\.[a-z]{2,6}",
        space in prop_oneof![Just(' '), Just('\t'), Just('\n'), Just('\u{a0}'), Just('\u{2028}')],
        position in 0..4usize,
    ) {
        let s = match position {
            0 => format!("{space}{local}@{domain}"),
            1 => format!("{local}@{domain}{space}"),
            2 => format!("{local}{space}@{domain}"),
            _ => format!("{local}@{space}{domain}"),
        };
        prop_assert_eq!(Email::parse(&s), Err(EmailError::Shape), "{:?}", s);
    }
}
