//! HTML escaping: every value interpolated into a page goes through here.
//!
//! The five characters below are enough for both text and quoted attribute values, which are the
//! only places the pages interpolate; values never go into tags, unquoted attributes, URLs of
//! links, scripts or styles.

use std::fmt;

/// Displays a string with `& < > " '` replaced by entities, without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut done = 0;
        for (at, special) in s.match_indices(['&', '<', '>', '"', '\'']) {
            f.write_str(&s[done..at])?;
            f.write_str(match special {
                "&" => "&amp;",
                "<" => "&lt;",
                ">" => "&gt;",
                "\"" => "&quot;",
                _ => "&#x27;",
            })?;
            done = at + special.len();
        }
        f.write_str(&s[done..])
    }
}

/// `s` escaped for HTML text or a quoted attribute value.
pub fn escape(s: &str) -> String {
    Escaped(s).to_string()
}

#[cfg(test)]
mod tests;
