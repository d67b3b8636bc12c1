//! The login page: email and password, posted back to `/authorize` with the request's parameters.

use super::escape::Escaped;
use super::layout::{csrf_input, Hidden};
use super::ui::Ui;

/// What the login form offers besides email and password.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions<'a> {
    /// Where the form posts (`/authorize`, or `/account`).
    pub action_url: &'a str,
    /// Offer "Sign in with a passkey" (`#passkey-sign-in`): only with a host-name issuer.
    pub passkeys: bool,
    /// One "Sign in with {name}" link per upstream provider (issue 18).
    pub upstreams: &'a [UpstreamButton<'a>],
    /// "Forgot your password?": the `/forgot-password` URL that returns to this request.
    pub forgot_password_url: Option<&'a str>,
    /// "Create an account": the `/signup` URL that returns to this request; `None` when
    /// self-service registration is off.
    pub signup_url: Option<&'a str>,
}

/// A link that starts sign-in at an upstream provider.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamButton<'a> {
    /// The provider's display name ("Sign in with {name}").
    pub name: &'a str,
    /// Where the link goes (Tessera's own start URL for that upstream).
    pub url: &'a str,
}

/// The sign-in form for an authorization request (posting to `/authorize`).
///
/// `hidden` carries the authorization request through the POST, `email` refills the field after
/// a failed attempt, and `error` (if any) is announced above the form. The password field is
/// never prefilled and has no length limit, so password managers and long passphrases work.
pub fn login_page(
    ui: &Ui,
    client_name: &str,
    hidden: &[(String, String)],
    csrf: &str,
    email: &str,
    error: Option<&str>,
) -> String {
    let options = LoginOptions {
        action_url: "/authorize",
        ..LoginOptions::default()
    };
    login_page_with(ui, client_name, hidden, csrf, (email, error), options)
}

/// The sign-in form with `options`: where it posts, and whether a passkey can be used instead
/// of the password. The passkey button sits in the same (single) form and needs the
/// [`super::webauthn`] script; without it, or without JavaScript, the form is the plain one.
pub fn login_page_with(
    ui: &Ui,
    client_name: &str,
    hidden: &[(String, String)],
    csrf: &str,
    (email, error): (&str, Option<&str>),
    options: LoginOptions<'_>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"login-error\">{}</div>\n",
            Escaped(e)
        )
    });
    // Focus the field the person has to fill in next.
    let (email_focus, password_focus) = if email.is_empty() {
        (" autofocus", "")
    } else {
        ("", " autofocus")
    };
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action_url}\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"login\">\n",
            "<label for=\"email\">{email_label}</label>\n",
            "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" ",
            "autocapitalize=\"none\" spellcheck=\"false\" required value=\"{email}\"{email_focus}{invalid}>\n",
            "<label for=\"password\">{password_label}</label>\n",
            "<input id=\"password\" name=\"password\" type=\"password\" ",
            "autocomplete=\"current-password\" required{password_focus}{invalid}>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "{passkey}",
            "</form>\n",
            "{links}",
            "{script}"
        ),
        heading = ui.h("login.heading"),
        lead = ui.fill_html(
            "login.lead",
            &[("client", &format!("<strong>{}</strong>", Escaped(client_name)))]
        ),
        email_label = ui.h("login.email"),
        password_label = ui.h("login.password"),
        submit = ui.h("login.submit"),
        // The alert describes both fields: a screen reader hears it on either.
        invalid = if error.is_some() {
            " aria-invalid=\"true\" aria-describedby=\"login-error\""
        } else {
            ""
        },
        links = extra_links(ui, &options),
        action_url = Escaped(options.action_url),
        passkey = if options.passkeys {
            format!(
                concat!(
                    "{inputs}",
                    "<button type=\"button\" class=\"secondary\" id=\"passkey-sign-in\" ",
                    "data-webauthn=\"get\" data-action=\"passkey\" ",
                    "data-options-url=\"/users/login/passkey/options\">",
                    "{label}</button>\n"
                ),
                inputs = super::webauthn::passkey_inputs(ui, ""),
                label = ui.h("login.passkey")
            )
        } else {
            String::new()
        },
        script = if options.passkeys {
            super::webauthn::script_tag()
        } else {
            String::new()
        },
        alert = alert,
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
        email = Escaped(email),
        email_focus = email_focus,
        password_focus = password_focus,
    );
    ui.page(ui.t("login.title"), &body)
}

/// The links under the form: upstream providers, forgotten password, sign-up.
fn extra_links(ui: &Ui, options: &LoginOptions<'_>) -> String {
    let mut out = String::new();
    if !options.upstreams.is_empty() {
        out.push_str("<ul class=\"items upstreams\">\n");
        for up in options.upstreams {
            out.push_str(&format!(
                "<li><a class=\"button secondary\" href=\"{}\">{}</a></li>\n",
                Escaped(up.url),
                Escaped(&ui.fill("login.with_upstream", &[("name", up.name)]))
            ));
        }
        out.push_str("</ul>\n");
    }
    if let Some(url) = options.forgot_password_url {
        out.push_str(&format!(
            "<p class=\"muted\"><a href=\"{}\">{}</a></p>\n",
            Escaped(url),
            ui.h("login.forgot_password")
        ));
    }
    if let Some(url) = options.signup_url {
        out.push_str(&format!(
            "<p class=\"muted\"><a href=\"{}\">{}</a></p>\n",
            Escaped(url),
            ui.h("login.sign_up")
        ));
    }
    out
}

#[cfg(test)]
mod tests;
