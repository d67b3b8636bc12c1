use super::catalogue::{parse, placeholders, substitute, AREAS};
use super::*;
use std::collections::BTreeMap;

/// The promise of issue 17: every key exists in every language, with the same placeholders,
/// and no text is empty.
#[test]
fn every_key_exists_in_every_language_with_the_same_placeholders() {
    let mut problems = Vec::new();
    for files in AREAS {
        let mut by_lang: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
        for file in files {
            match parse(file) {
                Ok(entries) => {
                    by_lang.insert(file.locale.tag(), entries.into_iter().collect());
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        let Some(english) = by_lang.get("en") else {
            continue;
        };
        for (lang, entries) in &by_lang {
            for (key, text) in entries {
                if text.is_empty() {
                    problems.push(format!("{lang}: {key} is empty"));
                }
                match english.get(key) {
                    None => problems.push(format!("{lang}: {key} is not in English")),
                    Some(en) if placeholders(en) != placeholders(text) => {
                        problems.push(format!("{lang}: {key} has other placeholders than English"))
                    }
                    Some(_) => {}
                }
            }
            for key in english.keys() {
                if !entries.contains_key(key) {
                    problems.push(format!("{lang}: {key} is missing"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "catalogue problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_catalogue_check_finds_a_missing_key() {
    let en = Catalogue {
        locale: Locale::En,
        area: "x",
        source: "x.a = A\nx.b = B {n}\n",
    };
    let de = Catalogue {
        locale: Locale::De,
        area: "x",
        source: "x.a = A\n",
    };
    let en_keys: Vec<_> = parse(&en).unwrap().into_iter().map(|(k, _)| k).collect();
    let de_keys: Vec<_> = parse(&de).unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(en_keys, ["x.a", "x.b"]);
    assert_eq!(de_keys, ["x.a"]);
}

#[test]
fn malformed_lines_and_foreign_keys_are_refused() {
    let bad = Catalogue {
        locale: Locale::Fr,
        area: "x",
        source: "# ok\n\nnot a message\n",
    };
    assert_eq!(
        parse(&bad),
        Err(CatalogueError::Malformed {
            area: "x",
            lang: "fr",
            line: 3
        })
    );
    let foreign = Catalogue {
        locale: Locale::En,
        area: "x",
        source: "y.a = A\n",
    };
    assert!(matches!(
        parse(&foreign),
        Err(CatalogueError::BadKey { .. })
    ));
    let twice = Catalogue {
        locale: Locale::En,
        area: "x",
        source: "x.a = A\nx.a = B\n",
    };
    assert!(matches!(parse(&twice), Err(CatalogueError::BadKey { .. })));
}

#[test]
fn lookups_fall_back_to_english_then_to_the_key() {
    assert_eq!(text(Locale::De, "common.brand_default"), "Tessera");
    assert_ne!(
        text(Locale::De, "common.language"),
        text(Locale::En, "common.language")
    );
    assert_eq!(text(Locale::Fr, "common.no_such_key"), "common.no_such_key");
}

#[test]
fn placeholders_are_filled_and_unknown_ones_kept() {
    assert_eq!(
        substitute("Hi {name}, {other}!", &[("name", "<b>")], |s| s
            .to_uppercase()),
        "HI <b>, {OTHER}!"
    );
    assert_eq!(substitute("a { b", &[], |s| s.to_owned()), "a { b");
    assert_eq!(placeholders("{b} and {a}"), ["a", "b"]);
}

#[test]
fn ui_locales_win_over_accept_language() {
    assert_eq!(Locale::negotiate(Some("fr-CA de"), Some("de")), Locale::Fr);
    assert_eq!(Locale::negotiate(Some("ja de-AT"), None), Locale::De);
    assert_eq!(
        Locale::negotiate(Some("ja"), Some("fr;q=0.5, de;q=0.8")),
        Locale::De
    );
}

#[test]
fn accept_language_weights_are_honoured() {
    assert_eq!(
        Locale::negotiate(None, Some("ja, fr;q=0.9, en;q=0.8")),
        Locale::Fr
    );
    assert_eq!(
        Locale::negotiate(None, Some("de;q=0, fr;q=0.1")),
        Locale::Fr
    );
    assert_eq!(Locale::negotiate(None, Some("de-CH;q=1.0")), Locale::De);
    assert_eq!(
        Locale::negotiate(None, Some("de;q=2, fr;q=abc")),
        Locale::En
    );
    assert_eq!(Locale::negotiate(None, Some("")), Locale::En);
    assert_eq!(Locale::negotiate(None, None), Locale::En);
}
