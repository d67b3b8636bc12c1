//! `/forgot-password`: the page behind the login page's "Forgot your password?" link.

use super::layout::csrf_input;
use super::people_form::{return_to_input, Field};
use super::{Escaped, Ui};

/// What the page shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForgotPasswordView<'a> {
    /// The form's CSRF token.
    pub csrf: &'a str,
    /// Where the person came from (checked), carried through the mail.
    pub return_to: Option<&'a str>,
    /// The address typed, refilled.
    pub email: &'a str,
    /// The request was taken: say so, whatever the address (no account enumeration).
    pub sent: bool,
    /// Why the address was refused (an empty field), as plain text.
    pub error: Option<&'a str>,
}

/// The form asking for the account's address; after a request, the same form under the
/// notice that a link was sent if an account exists.
pub fn forgot_password_page(ui: &Ui, view: &ForgotPasswordView<'_>) -> String {
    let notice = if view.sent {
        format!(
            "<p class=\"notice\" role=\"status\">{}</p>\n",
            ui.h("forgot.sent")
        )
    } else {
        String::new()
    };
    let error = view.error.map(|e| Escaped(e).to_string());
    let label = ui.h("forgot.email").to_string();
    let email = Field {
        name: "email",
        kind: "email",
        label: &label,
        autocomplete: "username",
        value: view.email,
        extra: " autocapitalize=\"none\" spellcheck=\"false\" required",
        hint: None,
        error: error.as_deref(),
    };
    let back = view.return_to.map_or_else(String::new, |r| {
        format!(
            "<p class=\"muted\"><a href=\"{}\">{}</a></p>\n",
            Escaped(r),
            ui.h("forgot.back")
        )
    });
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{notice}",
            "<form method=\"post\" action=\"/forgot-password\">\n",
            "{csrf}",
            "{return_to}",
            "{email}",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n",
            "{back}"
        ),
        title = ui.h("forgot.title"),
        lead = ui.h("forgot.lead"),
        notice = notice,
        csrf = csrf_input(view.csrf),
        return_to = return_to_input(view.return_to),
        email = email.html(),
        submit = ui.h("forgot.submit"),
        back = back,
    );
    ui.page(ui.t("forgot.title"), &body)
}
