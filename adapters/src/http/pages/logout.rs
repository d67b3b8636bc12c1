//! RP-initiated logout: the confirmation that stops forced-logout CSRF (ASVS 10.6.2, AS-35), and
//! the page shown afterwards when there is nowhere to send the user back to.

use super::escape::Escaped;
use super::layout::{csrf_input, Hidden};
use super::ui::Ui;

/// Asks the user to confirm signing out; a bare GET never ends the session. `hidden` carries the
/// logout request's parameters (`id_token_hint`, `post_logout_redirect_uri`, `state`, ...).
pub fn logout_confirm_page(ui: &Ui, hidden: &[(String, String)], csrf: &str) -> String {
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<form method=\"post\" action=\"/logout\">\n",
            "{hidden}",
            "{csrf}",
            "<button type=\"submit\" name=\"confirm\" value=\"yes\">{submit}</button>\n",
            "</form>\n"
        ),
        heading = Escaped(&ui.fill("logout.heading", &[("product", ui.theme.product_name())])),
        lead = ui.h("logout.lead"),
        submit = ui.h("logout.submit"),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
    );
    ui.page(ui.t("logout.title"), &body)
}

/// Confirms the session has ended.
pub fn logged_out_page(ui: &Ui) -> String {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        ui.h("logout.done_heading"),
        ui.h("logout.done_lead")
    );
    ui.page(ui.t("logout.done_title"), &body)
}

#[cfg(test)]
mod tests;
