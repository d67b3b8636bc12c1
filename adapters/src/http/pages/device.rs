//! The device sign-in pages (RFC 8628 §3.3): enter the code shown on the device, allow or
//! deny what it asks for, then go back to the device.

use super::consent::ScopeLine;
use super::escape::Escaped;
use super::layout::{csrf_input, layout, Hidden};

/// The form with the one input `user_code`, prefilled from `?user_code=` (the
/// `verification_uri_complete`), with `error` after a wrong code.
pub fn device_code_page(user_code: &str, csrf: &str, error: Option<&str>) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!("<div class=\"alert\" role=\"alert\">{}</div>\n", Escaped(e))
    });
    let body = format!(
        concat!(
            "<h1>Connect a device</h1>\n",
            "<p class=\"lead\">Enter the code shown on your device.</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"/device\">\n",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"code\">\n",
            "<label for=\"user_code\">Code</label>\n",
            "<input id=\"user_code\" name=\"user_code\" type=\"text\" autocomplete=\"off\" ",
            "autocapitalize=\"characters\" spellcheck=\"false\" placeholder=\"XXXX-XXXX\" ",
            "maxlength=\"20\" required autofocus value=\"{code}\">\n",
            "<button type=\"submit\">Continue</button>\n",
            "</form>\n"
        ),
        alert = alert,
        csrf = csrf_input(csrf),
        code = Escaped(user_code),
    );
    layout("Connect a device", &body)
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
pub fn device_consent_page(view: &DeviceConsent<'_>, csrf: &str) -> String {
    let mut items: String = view
        .scopes
        .iter()
        .map(|line| format!("<li>{}</li>\n", Escaped(&line.description)))
        .collect();
    if view.scopes.is_empty() {
        items.push_str("<li>Know that you signed in</li>\n");
    }
    let resources = if view.resources.is_empty() {
        String::new()
    } else {
        let names: String = view
            .resources
            .iter()
            .map(|r| format!("<li>{}</li>\n", Escaped(r)))
            .collect();
        format!("<p class=\"lead\">at:</p>\n<ul class=\"scopes\">\n{names}</ul>\n")
    };
    let hidden = [("user_code".to_owned(), view.user_code.to_owned())];
    let body = format!(
        concat!(
            "<h1>Allow access?</h1>\n",
            "<p class=\"lead\">A device with the code <strong>{code}</strong> wants to use ",
            "<strong>{client}</strong> to:</p>\n",
            "<ul class=\"scopes\">\n",
            "{items}",
            "</ul>\n",
            "{resources}",
            "<p class=\"muted\">Only allow this if you started it on your own device and the ",
            "code matches.</p>\n",
            "<p class=\"muted\">Signed in as <strong>{email}</strong></p>\n",
            "<form method=\"post\" action=\"/device\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"consent\">\n",
            "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n",
            "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">",
            "Deny</button>\n",
            "</form>\n"
        ),
        code = Escaped(view.user_code),
        client = Escaped(view.client_name),
        items = items,
        resources = resources,
        email = Escaped(view.email),
        hidden = Hidden(&hidden),
        csrf = csrf_input(csrf),
    );
    layout("Allow access?", &body)
}

/// The end of the person's part: allowed or denied, back to the device.
pub fn device_done_page(allowed: bool) -> String {
    let (title, text) = if allowed {
        (
            "Device connected",
            "You can go back to your device. It will finish signing in by itself.",
        )
    } else {
        (
            "Access denied",
            "You denied the request. You can go back to your device.",
        )
    };
    let body = format!(
        "<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        Escaped(title),
        Escaped(text)
    );
    layout(title, &body)
}
