//! The error page, for failures that must not redirect (AS-03): no links, nothing to click.

use super::escape::Escaped;
use super::ui::Ui;

/// A page that explains what went wrong. It deliberately links nowhere, so it can never be used
/// as an open redirector (AS-05).
pub fn error_page(ui: &Ui, title: &str, message: &str) -> String {
    let body = format!("<h1>{}</h1>\n<p>{}</p>\n", Escaped(title), Escaped(message));
    ui.page(title, &body)
}

#[cfg(test)]
mod tests;
