//! The device sign-in pages (RFC 8628 §3.3): enter the code shown on the device, allow or
//! deny what it asks for, then go back to the device.

use super::consent::ScopeLine;
use super::escape::Escaped;
use super::layout::{csrf_input, Hidden};
use super::ui::Ui;

/// The form with the one input `user_code`, prefilled from `?user_code=` (the
/// `verification_uri_complete`), with `error` after a wrong code.
pub fn device_code_page(ui: &Ui, user_code: &str, csrf: &str, error: Option<&str>) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"user_code-error\">{}</div>\n",
            Escaped(e)
        )
    });
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"/device\">\n",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"code\">\n",
            "<label for=\"user_code\">{label}</label>\n",
            "<input id=\"user_code\" name=\"user_code\" type=\"text\" autocomplete=\"off\" ",
            "autocapitalize=\"characters\" spellcheck=\"false\" placeholder=\"XXXX-XXXX\" ",
            "maxlength=\"20\" required autofocus value=\"{code}\"{invalid}>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n"
        ),
        heading = ui.h("device.code_heading"),
        lead = ui.h("device.code_lead"),
        label = ui.h("device.code_label"),
        submit = ui.h("device.continue"),
        invalid = if error.is_some() {
            " aria-invalid=\"true\" aria-describedby=\"user_code-error\""
        } else {
            ""
        },
        alert = alert,
        csrf = csrf_input(csrf),
        code = Escaped(user_code),
    );
    ui.page(ui.t("device.code_heading"), &body)
}

/// What the consent page shows about a device's request.
pub struct DeviceConsent<'a> {
    /// The client's name.
    pub client_name: &'a str,
    /// The signed-in person.
    pub email: &'a str,
    /// The code, as shown on the device (`XXXX-XXXX`), so the person can compare.
    pub user_code: &'a str,
    /// The scopes in words.
    pub scopes: &'a [ScopeLine],
    /// The names of the resources (APIs) it asks for.
    pub resources: &'a [String],
}

/// Allow or deny: names the client, the code, the scopes and the resources; posts
/// `decision=allow|deny` back to `/device`.
pub fn device_consent_page(ui: &Ui, view: &DeviceConsent<'_>, csrf: &str) -> String {
    let mut items: String = view
        .scopes
        .iter()
        .map(|line| format!("<li>{}</li>\n", Escaped(&line.description)))
        .collect();
    if view.scopes.is_empty() {
        items.push_str(&format!("<li>{}</li>\n", ui.h("consent.scope_none")));
    }
    let resources = if view.resources.is_empty() {
        String::new()
    } else {
        let names: String = view
            .resources
            .iter()
            .map(|r| format!("<li>{}</li>\n", Escaped(r)))
            .collect();
        format!(
            "<p class=\"lead\">{}</p>\n<ul class=\"scopes\">\n{names}</ul>\n",
            ui.h("device.at")
        )
    };
    let hidden = [("user_code".to_owned(), view.user_code.to_owned())];
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<ul class=\"scopes\">\n",
            "{items}",
            "</ul>\n",
            "{resources}",
            "<p class=\"muted\">{warning}</p>\n",
            "<p class=\"muted\">{signed_in_as}</p>\n",
            "<form method=\"post\" action=\"/device\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"consent\">\n",
            "<button type=\"submit\" name=\"decision\" value=\"allow\">{allow}</button>\n",
            "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">",
            "{deny}</button>\n",
            "</form>\n"
        ),
        heading = ui.h("consent.heading"),
        lead = ui.fill_html(
            "device.consent_lead",
            &[
                (
                    "code",
                    &format!("<strong>{}</strong>", Escaped(view.user_code))
                ),
                (
                    "client",
                    &format!("<strong>{}</strong>", Escaped(view.client_name))
                ),
            ]
        ),
        warning = ui.h("device.consent_warning"),
        signed_in_as = ui.fill_html(
            "consent.signed_in_as",
            &[(
                "email",
                &format!("<strong>{}</strong>", Escaped(view.email))
            )]
        ),
        allow = ui.h("consent.allow"),
        deny = ui.h("consent.deny"),
        items = items,
        resources = resources,
        hidden = Hidden(&hidden),
        csrf = csrf_input(csrf),
    );
    ui.page(ui.t("consent.title"), &body)
}

/// The end of the person's part: allowed or denied, back to the device.
pub fn device_done_page(ui: &Ui, allowed: bool) -> String {
    let (title, text) = if allowed {
        (ui.t("device.allowed_title"), ui.t("device.allowed_text"))
    } else {
        (ui.t("device.denied_title"), ui.t("device.denied_text"))
    };
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        Escaped(title),
        Escaped(text)
    );
    ui.page(title, &body)
}
