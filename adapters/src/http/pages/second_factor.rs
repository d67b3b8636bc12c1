//! The second step of a sign-in: a code from the authenticator app (or a recovery code) and,
//! where the account has passkeys, a passkey; and the page for a person who lacks the factor
//! a request needs.

use super::escape::Escaped;
use super::layout::{csrf_input, layout, Hidden};
use super::webauthn;

/// What the second step offers.
#[derive(Debug, Clone, Copy)]
pub struct SecondStep<'a> {
    /// Where the form posts.
    pub action_url: &'a str,
    /// The step's handle (`mfa_token`).
    pub token: &'a str,
    /// A TOTP or recovery code can be typed.
    pub totp: bool,
    /// The passkey ceremony: its handle and options (JSON), for the `#passkey` button.
    pub passkey: Option<(&'a str, &'a str)>,
}

/// The second-step form: one `<form method="post">` with an input named `otp` and, with
/// passkeys, a button with id `passkey`.
pub fn second_factor_page(
    hidden: &[(String, String)],
    csrf: &str,
    step: SecondStep<'_>,
    error: Option<&str>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!("<div class=\"alert\" role=\"alert\">{}</div>\n", Escaped(e))
    });
    let otp = if step.totp {
        concat!(
            "<label for=\"otp\">Code from your authenticator app</label>\n",
            "<input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" ",
            "autocomplete=\"one-time-code\" autocapitalize=\"none\" spellcheck=\"false\" ",
            "maxlength=\"64\" required autofocus>\n",
            "<p class=\"muted\">Lost your device? Type one of your recovery codes instead.</p>\n",
            "<button type=\"submit\">Verify</button>\n"
        )
    } else {
        ""
    };
    let (passkey, script) = match step.passkey {
        Some((handle, options)) => (
            format!(
                concat!(
                    "{inputs}",
                    "<button type=\"button\" class=\"secondary\" id=\"passkey\" ",
                    "data-webauthn=\"get\" data-action=\"mfa_passkey\" data-options=\"{options}\">",
                    "Use a passkey</button>\n"
                ),
                inputs = webauthn::passkey_inputs(handle),
                options = Escaped(options),
            ),
            webauthn::script_tag(),
        ),
        None => (String::new(), String::new()),
    };
    let body = format!(
        concat!(
            "<h1>Two-step sign-in</h1>\n",
            "<p class=\"lead\">Confirm it is you with your second factor.</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action_url}\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"mfa\">\n",
            "<input type=\"hidden\" name=\"mfa_token\" value=\"{token}\">\n",
            "{otp}",
            "{passkey}",
            "</form>\n",
            "{script}"
        ),
        alert = alert,
        action_url = Escaped(step.action_url),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
        token = Escaped(step.token),
        otp = otp,
        passkey = passkey,
        script = script,
    );
    layout("Two-step sign-in", &body)
}

/// The request needs a level of sign-in the person cannot reach yet (no second factor, or no
/// passkey for `phr`): where to set one up, and how to come back.
pub fn second_factor_needed_page(client_name: &str, passkey: bool, retry_url: &str) -> String {
    let what = if passkey {
        "a passkey"
    } else {
        "two-step sign-in (an authenticator app or a passkey)"
    };
    let body = format!(
        concat!(
            "<h1>Set up a second factor</h1>\n",
            "<p class=\"lead\"><strong>{client}</strong> asks you to sign in with {what}.</p>\n",
            "<p>Set it up on your account page, then come back and sign in again.</p>\n",
            "<p><a href=\"/account\">Open your account page</a></p>\n",
            "<p><a href=\"{retry}\">Try again</a></p>\n"
        ),
        client = Escaped(client_name),
        what = what,
        retry = Escaped(retry_url),
    );
    layout("Set up a second factor", &body)
}
