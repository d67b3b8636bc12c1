//! The second step of a sign-in: a code from the authenticator app (or a recovery code) and,
//! where the account has passkeys, a passkey; and the page for a person who lacks the factor
//! a request needs.

use super::escape::Escaped;
use super::layout::{csrf_input, Hidden};
use super::ui::Ui;
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
    ui: &Ui,
    hidden: &[(String, String)],
    csrf: &str,
    step: SecondStep<'_>,
    error: Option<&str>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"otp-error\">{}</div>\n",
            Escaped(e)
        )
    });
    let otp = if step.totp {
        format!(
            concat!(
                "<label for=\"otp\">{label}</label>\n",
                "<input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" ",
                "autocomplete=\"one-time-code\" autocapitalize=\"none\" spellcheck=\"false\" ",
                "maxlength=\"64\" required autofocus{invalid}>\n",
                "<p class=\"muted\" id=\"otp-hint\">{hint}</p>\n",
                "<button type=\"submit\">{submit}</button>\n"
            ),
            label = ui.h("second_factor.otp_label"),
            hint = ui.h("second_factor.otp_hint"),
            submit = ui.h("second_factor.verify"),
            invalid = if error.is_some() {
                " aria-invalid=\"true\" aria-describedby=\"otp-error otp-hint\""
            } else {
                " aria-describedby=\"otp-hint\""
            },
        )
    } else {
        String::new()
    };
    let (passkey, script) = match step.passkey {
        Some((handle, options)) => (
            format!(
                concat!(
                    "{inputs}",
                    "<button type=\"button\" class=\"secondary\" id=\"passkey\" ",
                    "data-webauthn=\"get\" data-action=\"mfa_passkey\" data-options=\"{options}\">",
                    "{label}</button>\n"
                ),
                inputs = webauthn::passkey_inputs(ui, handle),
                label = ui.h("second_factor.use_passkey"),
                options = Escaped(options),
            ),
            webauthn::script_tag(),
        ),
        None => (String::new(), String::new()),
    };
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
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
        heading = ui.h("second_factor.heading"),
        lead = ui.h("second_factor.lead"),
        alert = alert,
        action_url = Escaped(step.action_url),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
        token = Escaped(step.token),
        otp = otp,
        passkey = passkey,
        script = script,
    );
    ui.page(ui.t("second_factor.heading"), &body)
}

/// The request needs a level of sign-in the person cannot reach yet (no second factor, or no
/// passkey for `phr`): where to set one up, and how to come back.
pub fn second_factor_needed_page(
    ui: &Ui,
    client_name: &str,
    passkey: bool,
    retry_url: &str,
) -> String {
    let key = if passkey {
        "second_factor.needed_passkey"
    } else {
        "second_factor.needed_two_step"
    };
    let client = format!("<strong>{}</strong>", Escaped(client_name));
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<p>{then}</p>\n",
            "<p><a href=\"/account\">{account}</a></p>\n",
            "<p><a href=\"{retry}\">{again}</a></p>\n"
        ),
        heading = ui.h("second_factor.needed_title"),
        lead = ui.fill_html(key, &[("client", &client)]),
        then = ui.h("second_factor.needed_then"),
        account = ui.h("second_factor.open_account"),
        again = ui.h("second_factor.try_again"),
        retry = Escaped(retry_url),
    );
    ui.page(ui.t("second_factor.needed_title"), &body)
}
