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
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        assert_eq!(escape(""), "");
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(escape("Zoë “quoted” 🚀 = ; /"), "Zoë “quoted” 🚀 = ; /");
        assert_eq!(escape("&&"), "&amp;&amp;");
    }
}
