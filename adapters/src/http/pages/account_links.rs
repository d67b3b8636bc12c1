//! The pages behind emailed links: confirming an address and choosing a new password.
//!
//! Opening a link never acts on its own: mail scanners and link previews fetch links, so the
//! GET shows a form and only its POST (with the CSRF token) uses the link up.

use super::escape::Escaped;
use super::layout::{csrf_input, hidden_input, layout};

/// Asks the person to confirm the address; the form posts the link's token back.
pub fn verify_email_page(action: &str, token: &str, csrf: &str) -> String {
    let mut token_input = String::new();
    let _ = hidden_input(&mut token_input, "token", token);
    let body = format!(
        concat!(
            "<h1>Confirm your email address</h1>\n",
            "<p class=\"lead\">Confirm that this address belongs to you.</p>\n",
            "<form method=\"post\" action=\"{action}\">\n",
            "{token}",
            "{csrf}",
            "<button type=\"submit\">Confirm my address</button>\n",
            "</form>\n"
        ),
        action = Escaped(action),
        token = token_input,
        csrf = csrf_input(csrf),
    );
    layout("Confirm your email address", &body)
}

/// The form for a new password; `error` (if any) explains why the last one was refused.
pub fn reset_password_page(
    action: &str,
    token: &str,
    csrf: &str,
    min_length: usize,
    error: Option<&str>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!("<div class=\"alert\" role=\"alert\">{}</div>\n", Escaped(e))
    });
    let mut token_input = String::new();
    let _ = hidden_input(&mut token_input, "token", token);
    let body = format!(
        concat!(
            "<h1>Choose a new password</h1>\n",
            "<p class=\"lead\">Use at least {min} characters. A sentence of several unrelated ",
            "words is easy to remember and hard to guess.</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action}\">\n",
            "{token}",
            "{csrf}",
            "<label for=\"password\">New password</label>\n",
            "<input id=\"password\" name=\"password\" type=\"password\" ",
            "autocomplete=\"new-password\" minlength=\"{min}\" required autofocus>\n",
            "<button type=\"submit\">Set new password</button>\n",
            "</form>\n"
        ),
        min = min_length,
        alert = alert,
        action = Escaped(action),
        token = token_input,
        csrf = csrf_input(csrf),
    );
    layout("Choose a new password", &body)
}

/// Shown after a link did its work.
pub fn link_done_page(title: &str, message: &str) -> String {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        Escaped(title),
        Escaped(message)
    );
    layout(title, &body)
}

#[cfg(test)]
mod tests;
