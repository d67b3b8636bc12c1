//! The languages Tessera speaks, and choosing one from `ui_locales` and `Accept-Language`.

/// A language with a full catalogue. English is the fallback for everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
}

impl Locale {
    /// Every language shipped, English first.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::De, Locale::Fr];

    /// The BCP 47 tag written into `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
        }
    }

    /// The language of a BCP 47 tag (`de`, `de-AT`, `FR-ca`), by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// Chooses the language: the first supported tag of OIDC `ui_locales` (space-separated, in
    /// order of preference), else the supported tag of `Accept-Language` with the highest
    /// weight (RFC 9110 §12.5.4; ties keep header order, `q=0` means "not this"), else English.
    pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>) -> Locale {
        if let Some(found) = ui_locales
            .into_iter()
            .flat_map(str::split_ascii_whitespace)
            .find_map(Locale::from_tag)
        {
            return found;
        }
        accept_language.map(best_accepted).unwrap_or_default()
    }
}

/// The supported language the `Accept-Language` value weighs highest.
fn best_accepted(header: &str) -> Locale {
    let mut best: Option<(u16, Locale)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(quality))
            .unwrap_or(1000);
        if weight == 0 {
            continue;
        }
        let Some(locale) = Locale::from_tag(tag) else {
            continue;
        };
        if best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, locale));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

/// An RFC 9110 `qvalue` in thousandths; anything malformed counts as 0 (ignored).
fn quality(value: &str) -> u16 {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = format!("{fraction:0<3}");
    match (whole, digits.get(..3)) {
        ("1", Some(d)) if d.bytes().all(|b| b == b'0') && fraction.len() <= 3 => 1000,
        ("0", Some(d)) if fraction.len() <= 3 => d.parse().unwrap_or(0),
        _ => 0,
    }
}
