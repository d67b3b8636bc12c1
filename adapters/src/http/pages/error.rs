//! The error page, for failures that must not redirect (AS-03): no links, nothing to click.

use super::escape::Escaped;
use super::layout::layout;

/// A page that explains what went wrong. It deliberately links nowhere, so it can never be used
/// as an open redirector (AS-05).
pub fn error_page(title: &str, message: &str) -> String {
    let body = format!("<h1>{}</h1>\n<p>{}</p>\n", Escaped(title), Escaped(message));
    layout(title, &body)
}

#[cfg(test)]
mod tests;
