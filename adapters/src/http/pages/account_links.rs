//! The pages behind emailed links: confirming an address and choosing a new password.
//!
//! Opening a link never acts on its own: mail scanners and link previews fetch links, so the
//! GET shows a form and only its POST (with the CSRF token) uses the link up.

use super::escape::Escaped;
use super::layout::{csrf_input, hidden_input};
use super::ui::Ui;

/// Asks the person to confirm the address; the form posts the link's token back.
pub fn verify_email_page(ui: &Ui, action: &str, token: &str, csrf: &str) -> String {
    let mut token_input = String::new();
    let _ = hidden_input(&mut token_input, "token", token);
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<form method=\"post\" action=\"{action}\">\n",
            "{token}",
            "{csrf}",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n"
        ),
        heading = ui.h("links.verify_heading"),
        lead = ui.h("links.verify_lead"),
        submit = ui.h("links.verify_submit"),
        action = Escaped(action),
        token = token_input,
        csrf = csrf_input(csrf),
    );
    ui.page(ui.t("links.verify_heading"), &body)
}

/// The form for a new password; `error` (if any) explains why the last one was refused.
pub fn reset_password_page(
    ui: &Ui,
    action: &str,
    token: &str,
    csrf: &str,
    min_length: usize,
    error: Option<&str>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"password-error\">{}</div>\n",
            Escaped(e)
        )
    });
    let mut token_input = String::new();
    let _ = hidden_input(&mut token_input, "token", token);
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\" id=\"password-hint\">{lead}</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action}\">\n",
            "{token}",
            "{csrf}",
            "<label for=\"password\">{label}</label>\n",
            "<input id=\"password\" name=\"password\" type=\"password\" ",
            "autocomplete=\"new-password\" minlength=\"{min}\" required autofocus{invalid}>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n"
        ),
        min = min_length,
        heading = ui.h("links.reset_heading"),
        lead = Escaped(&ui.fill("links.reset_lead", &[("min", &min_length.to_string())])),
        label = ui.h("links.reset_label"),
        submit = ui.h("links.reset_submit"),
        invalid = if error.is_some() {
            " aria-invalid=\"true\" aria-describedby=\"password-error password-hint\""
        } else {
            " aria-describedby=\"password-hint\""
        },
        alert = alert,
        action = Escaped(action),
        token = token_input,
        csrf = csrf_input(csrf),
    );
    ui.page(ui.t("links.reset_heading"), &body)
}

/// Shown after a link did its work.
pub fn link_done_page(ui: &Ui, title: &str, message: &str) -> String {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        Escaped(title),
        Escaped(message)
    );
    ui.page(title, &body)
}

#[cfg(test)]
mod tests;
