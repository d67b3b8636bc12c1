//! The notice after signing in with an address that is not verified yet.

use super::layout::{csrf_input, Hidden};
use super::{Escaped, Ui};

/// What the notice shows.
#[derive(Debug, Clone, Copy)]
pub struct UnverifiedView<'a> {
    /// The application the person is signing in to.
    pub client_name: &'a str,
    /// The address to confirm.
    pub email: &'a str,
    /// The authorization request (and its proofs) as hidden fields of both forms.
    pub hidden: &'a [(String, String)],
    /// The forms' CSRF token.
    pub csrf: &'a str,
    /// No code before the address is confirmed: no "Continue".
    pub required: bool,
    /// A new link was just asked for.
    pub resent: bool,
}

/// "Confirm your email address", with a button that mails the link again and, unless a
/// confirmed address is required, one that continues the sign-in.
pub fn unverified_page(ui: &Ui, view: &UnverifiedView<'_>) -> String {
    let email = format!("<strong>{}</strong>", Escaped(view.email));
    let client = format!("<strong>{}</strong>", Escaped(view.client_name));
    let required = if view.required {
        format!(
            "<p>{}</p>\n",
            ui.fill_html("verify.unverified_required", &[("client", client.as_str())])
        )
    } else {
        String::new()
    };
    let resent = if view.resent {
        format!(
            "<p class=\"notice\" role=\"status\">{}</p>\n",
            ui.h("verify.resent")
        )
    } else {
        String::new()
    };
    let resend = action_form(
        view,
        "resend_verification",
        ui.h("verify.resend"),
        if view.required {
            ""
        } else {
            " class=\"secondary\""
        },
    );
    let next = if view.required {
        String::new()
    } else {
        action_form(view, "continue", ui.h("verify.continue"), "")
    };
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{required}",
            "{resent}",
            "{next}",
            "{resend}"
        ),
        title = ui.h("verify.unverified_title"),
        lead = ui.fill_html("verify.unverified_lead", &[("email", email.as_str())]),
        required = required,
        resent = resent,
        next = next,
        resend = resend,
    );
    ui.page(ui.t("verify.unverified_title"), &body)
}

/// One button in its own form posting `action` back to `/authorize` with the request.
fn action_form(view: &UnverifiedView<'_>, action: &str, label: Escaped<'_>, class: &str) -> String {
    format!(
        concat!(
            "<form method=\"post\" action=\"/authorize\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"{action}\">\n",
            "<button type=\"submit\"{class}>{label}</button>\n",
            "</form>\n"
        ),
        hidden = Hidden(view.hidden),
        csrf = csrf_input(view.csrf),
        action = action,
        class = class,
        label = label,
    )
}
