//! The pages between a form and a mailbox: "check your inbox" after signing up, "done" with a
//! way back after a link was used, and the people pages' error page.

use super::{Escaped, Ui};

/// After signing up: the mail is on its way (the same page for a new and a taken address).
pub fn check_inbox_page(ui: &Ui, email: &str, return_to: Option<&str>) -> String {
    let email = format!("<strong>{}</strong>", Escaped(email));
    let back = return_to.map_or_else(String::new, |r| {
        format!(
            "<p><a class=\"button\" href=\"{}\">{}</a></p>\n",
            Escaped(r),
            ui.h("verify.back")
        )
    });
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\" role=\"status\">{lead}</p>\n",
            "<p class=\"muted\">{note}</p>\n",
            "{back}"
        ),
        title = ui.h("verify.inbox_title"),
        lead = ui.fill_html("verify.inbox_lead", &[("email", email.as_str())]),
        note = ui.h("verify.inbox_note"),
        back = back,
    );
    ui.page(ui.t("verify.inbox_title"), &body)
}

/// A link did its work (`title_key`, `message_key`); `continue_to` (checked) leads back to the
/// sign-in it interrupted.
pub fn link_done_with_continue(
    ui: &Ui,
    title_key: &'static str,
    message_key: &'static str,
    continue_to: Option<&str>,
) -> String {
    let next = continue_to.map_or_else(String::new, |r| {
        format!(
            "<p><a class=\"button\" href=\"{}\">{}</a></p>\n",
            Escaped(r),
            ui.h("verify.continue")
        )
    });
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\" role=\"status\">{}</p>\n{next}",
        ui.h(title_key),
        ui.h(message_key),
    );
    ui.page(ui.t(title_key), &body)
}

/// An error page of these flows: no links, nothing to click (AS-05).
pub fn people_error_page(ui: &Ui, title_key: &'static str, message_key: &'static str) -> String {
    let body = format!(
        "<h1>{}</h1>\n<p role=\"alert\">{}</p>\n",
        ui.h(title_key),
        ui.h(message_key)
    );
    ui.page(ui.t(title_key), &body)
}
