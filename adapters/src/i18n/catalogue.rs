//! Loading the catalogue files and looking messages up.

use super::Locale;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One catalogue file: the messages of one area in one language.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    /// The language of the file.
    pub locale: Locale,
    /// The area (file name without `.txt`); every key in the file starts with `<area>.`.
    pub area: &'static str,
    /// The file's text.
    pub source: &'static str,
}

/// Why a catalogue file cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    /// A line that is neither blank, a `#` comment, nor `key = text`.
    #[error("{area} ({lang}) line {line}: expected `key = text`")]
    Malformed {
        /// The area.
        area: &'static str,
        /// The language tag.
        lang: &'static str,
        /// 1-based line number.
        line: usize,
    },
    /// A key outside the file's area, or given twice.
    #[error("{area} ({lang}): key {key} is outside the area or repeated")]
    BadKey {
        /// The area.
        area: &'static str,
        /// The language tag.
        lang: &'static str,
        /// The key.
        key: String,
    },
}

/// Declares the three files of an area: `adapters/locales/{en,de,fr}/<area>.txt`.
macro_rules! area {
    ($area:literal) => {
        [
            Catalogue {
                locale: Locale::En,
                area: $area,
                source: include_str!(concat!("../../locales/en/", $area, ".txt")),
            },
            Catalogue {
                locale: Locale::De,
                area: $area,
                source: include_str!(concat!("../../locales/de/", $area, ".txt")),
            },
            Catalogue {
                locale: Locale::Fr,
                area: $area,
                source: include_str!(concat!("../../locales/fr/", $area, ".txt")),
            },
        ]
    };
}

/// Every catalogue file, by area. Add one `area!("name")` line per new area.
pub(crate) const AREAS: &[[Catalogue; 3]] = &[
    area!("common"),
    area!("console"),
    area!("forgot"),
    area!("signup"),
    area!("verify"),
];

/// Parses one file into `(key, text)` pairs. `\n` in a text stands for a line break.
pub(crate) fn parse(file: &Catalogue) -> Result<Vec<(&'static str, String)>, CatalogueError> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (index, raw) in file.source.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, text)) = line.split_once('=') else {
            return Err(CatalogueError::Malformed {
                area: file.area,
                lang: file.locale.tag(),
                line: index + 1,
            });
        };
        let key = key.trim();
        let in_area = key
            .strip_prefix(file.area)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|name| !name.is_empty());
        if !in_area || out.iter().any(|(k, _)| *k == key) {
            return Err(CatalogueError::BadKey {
                area: file.area,
                lang: file.locale.tag(),
                key: key.to_owned(),
            });
        }
        out.push((key, text.trim().replace("\\n", "\n")));
    }
    Ok(out)
}

type Table = HashMap<&'static str, [Option<&'static str>; 3]>;

/// Every message, by key, one slot per language. Files that do not parse are left out here
/// (their keys then show as the key itself) and fail the catalogue test.
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut table: Table = HashMap::new();
    for file in AREAS.iter().flatten() {
        let Ok(entries) = parse(file) else {
            log::error!(
                "message catalogue {}/{} does not parse",
                file.locale.tag(),
                file.area
            );
            continue;
        };
        let slot = slot(file.locale);
        for (key, text) in entries {
            // Leaked once per message at first use: the table lives as long as the process.
            let text: &'static str = Box::leak(text.into_boxed_str());
            if let Some(entry) = table.entry(key).or_default().get_mut(slot) {
                *entry = Some(text);
            }
        }
    }
    table
});

fn slot(locale: Locale) -> usize {
    match locale {
        Locale::En => 0,
        Locale::De => 1,
        Locale::Fr => 2,
    }
}

/// The message `key` in `locale`, else in English, else the key itself.
pub fn text(locale: Locale, key: &'static str) -> &'static str {
    TABLE
        .get(key)
        .and_then(|texts| {
            texts
                .get(slot(locale))
                .copied()
                .flatten()
                .or_else(|| texts.first().copied().flatten())
        })
        .unwrap_or(key)
}

/// The message `key` with each `{name}` replaced by its value from `args`. Values are inserted
/// as given: escape the result (or the values, for [`crate::http::pages`]'s HTML variant).
pub fn fill(locale: Locale, key: &'static str, args: &[(&str, &str)]) -> String {
    substitute(text(locale, key), args, |s| s.to_owned())
}

/// Replaces `{name}` placeholders; text between them goes through `literal`.
pub(crate) fn substitute(
    template: &str,
    args: &[(&str, &str)],
    literal: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(&literal(before));
        let name_and_rest = after.get(1..).unwrap_or("");
        match name_and_rest.find('}') {
            Some(close) => {
                let name = name_and_rest.get(..close).unwrap_or("");
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&literal(after.get(..close + 2).unwrap_or(after))),
                }
                rest = name_and_rest.get(close + 1..).unwrap_or("");
            }
            None => {
                out.push_str(&literal(after));
                rest = "";
            }
        }
    }
    out.push_str(&literal(rest));
    out
}

/// The placeholder names of a text, sorted, for comparing translations.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names
}

/// The message `key` as HTML: its text escaped, `args` inserted as given (already HTML).
pub fn substitute_html(locale: Locale, key: &'static str, args: &[(&str, &str)]) -> String {
    substitute(text(locale, key), args, crate::http::pages::escape)
}
