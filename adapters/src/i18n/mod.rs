//! Message catalogues for the people-facing pages and mails (issue 17).
//!
//! Every text a person reads lives in `adapters/locales/<lang>/<area>.txt`, one `key = text`
//! line per message, so a translator edits text files and never Rust. Keys are `area.name`.
//! Placeholders are `{name}` and are filled by [`fill`]; nothing is built by concatenating
//! translated fragments. A missing translation falls back to English, then to the key itself,
//! so a gap shows up as visible text rather than a failure; the catalogue test makes sure no
//! gap ships.

mod catalogue;
mod current;
mod locale;
#[cfg(test)]
mod tests;

pub use catalogue::{fill, substitute_html, text, Catalogue, CatalogueError};
pub use current::{current_locale, with_locale};
pub use locale::Locale;
