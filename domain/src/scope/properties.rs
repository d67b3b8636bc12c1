//! Property tests of scope parsing: the canonical form round-trips and is a fixed point, every
//! character outside the RFC 6749 §3.3 ABNF and every bad separator is refused, no input
//! panics, and narrowing never widens.

use super::*;
use proptest::prelude::*;

/// One scope-token: the characters %x21 / %x23-5B / %x5D-7E.
fn token() -> impl Strategy<Value = String> {
    "[!#-\\[\\]-~]{1,12}"
}

/// A scope set built from tokens, and the space-delimited string that names it.
fn scope_list() -> impl Strategy<Value = (BTreeSet<String>, String)> {
    proptest::collection::vec(token(), 0..8).prop_map(|tokens| {
        let list = tokens.join(" ");
        (tokens.into_iter().collect(), list)
    })
}

/// A character a scope-token may not hold (space excluded: it separates tokens).
fn forbidden_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('\u{0}', '\u{1f}'),
        Just('"'),
        Just('\\'),
        Just('\u{7f}'),
        proptest::char::range('\u{80}', '\u{10ffff}'),
    ]
}

proptest! {
    /// Any list of valid tokens parses to exactly its set of tokens, and the display form
    /// parses back to the same set.
    #[test]
    fn lists_round_trip((tokens, list) in scope_list()) {
        let set = ScopeSet::parse(&list);
        prop_assert!(set.is_ok(), "{list:?}: {set:?}");
        if let Ok(set) = set {
            let names: BTreeSet<String> = set.iter().map(|s| s.as_str().to_owned()).collect();
            prop_assert_eq!(&names, &tokens);
            prop_assert_eq!(ScopeSet::parse(&set.to_string()), Ok(set.clone()));
        }
    }

    /// The display form is canonical: order and repetition do not change it, and printing
    /// what it parses to gives it back.
    #[test]
    fn display_is_canonical_and_idempotent(
        (_, list) in scope_list(),
        shuffle in any::<proptest::sample::Index>(),
    ) {
        let set = ScopeSet::parse(&list);
        prop_assert!(set.is_ok());
        if let Ok(set) = set {
            let shown = set.to_string();
            let mut tokens: Vec<&str> = list.split(' ').filter(|t| !t.is_empty()).collect();
            if !tokens.is_empty() {
                let at = shuffle.index(tokens.len());
                tokens.rotate_left(at);
                let first = tokens.first().copied().unwrap_or_default();
                tokens.push(first);
            }
            let reordered = tokens.join(" ");
            prop_assert_eq!(ScopeSet::parse(&reordered).map(|s| s.to_string()), Ok(shown.clone()));
            let again = ScopeSet::parse(&shown).map(|s| s.to_string());
            prop_assert_eq!(again, Ok(shown));
        }
    }

    /// Parsing never panics, whatever the input.
    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = ScopeSet::parse(&s);
        let _ = Scope::parse(&s);
    }

    /// A token holding a character outside the ABNF is refused, wherever it sits.
    #[test]
    fn forbidden_characters_are_refused(
        (_, list) in scope_list(),
        bad in forbidden_char(),
        before in "[!#-\\[\\]-~]{0,4}",
        after in "[!#-\\[\\]-~]{0,4}",
    ) {
        let bad_token = format!("{before}{bad}{after}");
        let with_bad = if list.is_empty() { bad_token } else { format!("{list} {bad_token}") };
        prop_assert!(
            matches!(ScopeSet::parse(&with_bad), Err(ScopeError::InvalidToken(_))),
            "{:?}", with_bad
        );
    }

    /// Leading, trailing or doubled spaces are refused (RFC 6749 §3.3: single spaces).
    #[test]
    fn bad_separators_are_refused((_, list) in scope_list(), which in 0..3usize) {
        prop_assume!(!list.is_empty());
        let bad = match which {
            0 => format!(" {list}"),
            1 => format!("{list} "),
            _ => match list.split_once(' ') {
                Some((first, rest)) => format!("{first}  {rest}"),
                None => format!("{list}  {list}"),
            },
        };
        prop_assert_eq!(ScopeSet::parse(&bad), Err(ScopeError::Separator), "{:?}", bad);
    }

    /// Narrowing never widens: the result is within what is held, and it is refused exactly
    /// when the request asks for something not held.
    #[test]
    fn narrowing_never_widens((_, held) in scope_list(), (_, asked) in scope_list()) {
        let held = ScopeSet::parse(&held);
        let asked = ScopeSet::parse(&asked);
        prop_assert!(held.is_ok() && asked.is_ok());
        if let (Ok(held), Ok(asked)) = (held, asked) {
            match held.narrow_to(Some(&asked)) {
                Ok(granted) => {
                    prop_assert!(granted.is_subset_of(&held));
                    if !asked.is_empty() {
                        prop_assert_eq!(granted, asked);
                    }
                }
                Err(ScopeError::Exceeds(extra)) => {
                    prop_assert!(!asked.is_subset_of(&held));
                    for scope in extra.split(' ') {
                        prop_assert!(asked.contains(scope) && !held.contains(scope));
                    }
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            prop_assert_eq!(held.narrow_to(None), Ok(held.clone()));
        }
    }
}

/// From the `scope` fuzz target's first run (a wrong expectation in the target, not a bug): an
/// empty request is no request, and grants everything held.
#[test]
fn an_empty_request_grants_everything_held() {
    let held = ScopeSet::parse("(").unwrap();
    let empty = ScopeSet::parse("").unwrap();
    assert_eq!(held.narrow_to(Some(&empty)), Ok(held.clone()));
    assert_eq!(empty.narrow_to(Some(&empty)), Ok(empty.clone()));
}
