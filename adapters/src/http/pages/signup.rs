//! `/signup`: the page behind the login page's "Create an account" link.

use super::layout::csrf_input;
use super::people_form::{return_to_input, Field};
use super::{Escaped, Ui};

/// Which field a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupField {
    /// The address.
    Email,
    /// The password.
    Password,
    /// The name.
    Name,
}

/// What the page shows.
#[derive(Debug, Clone, Copy)]
pub struct SignupView<'a> {
    /// The form's CSRF token.
    pub csrf: &'a str,
    /// Where the person came from (checked), carried through the verification mail.
    pub return_to: Option<&'a str>,
    /// The address typed, refilled.
    pub email: &'a str,
    /// The name typed, refilled.
    pub name: &'a str,
    /// The least number of characters of a password.
    pub min_length: usize,
    /// The field refused last time and why (plain text).
    pub error: Option<(SignupField, &'a str)>,
}

/// The sign-up form: email, a new password, an optional name.
pub fn signup_page(ui: &Ui, view: &SignupView<'_>) -> String {
    let error_for = |field: SignupField| {
        view.error
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| Escaped(m).to_string())
    };
    let (email_error, password_error, name_error) = (
        error_for(SignupField::Email),
        error_for(SignupField::Password),
        error_for(SignupField::Name),
    );
    let labels = [
        ui.h("signup.email").to_string(),
        ui.h("signup.password").to_string(),
        ui.h("signup.name").to_string(),
    ];
    let [email_label, password_label, name_label] = &labels;
    let min = view.min_length.to_string();
    let hint = Escaped(&ui.fill("signup.password_hint", &[("min", min.as_str())])).to_string();
    let password_extra = format!(" minlength=\"{}\" required", view.min_length);
    let fields = [
        Field {
            name: "email",
            kind: "email",
            label: email_label,
            autocomplete: "username",
            value: view.email,
            extra: " autocapitalize=\"none\" spellcheck=\"false\" required",
            hint: None,
            error: email_error.as_deref(),
        },
        Field {
            name: "password",
            kind: "password",
            label: password_label,
            autocomplete: "new-password",
            value: "",
            extra: &password_extra,
            hint: Some(&hint),
            error: password_error.as_deref(),
        },
        Field {
            name: "name",
            kind: "text",
            label: name_label,
            autocomplete: "name",
            value: view.name,
            extra: "",
            hint: None,
            error: name_error.as_deref(),
        },
    ];
    let fields: String = fields.iter().map(Field::html).collect();
    let back = view.return_to.map_or_else(String::new, |r| {
        format!(
            "<p class=\"muted\"><a href=\"{}\">{}</a></p>\n",
            Escaped(r),
            ui.h("signup.have_account")
        )
    });
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<form method=\"post\" action=\"/signup\">\n",
            "{csrf}",
            "{return_to}",
            "{fields}",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n",
            "{back}"
        ),
        title = ui.h("signup.title"),
        lead = ui.h("signup.lead"),
        csrf = csrf_input(view.csrf),
        return_to = return_to_input(view.return_to),
        fields = fields,
        submit = ui.h("signup.submit"),
        back = back,
    );
    ui.page(ui.t("signup.title"), &body)
}
