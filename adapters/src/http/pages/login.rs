//! The login page: email and password, posted back to `/authorize` with the request's parameters.

use super::escape::Escaped;
use super::layout::{csrf_input, layout, Hidden};

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
    login_page_with(client_name, hidden, csrf, (email, error), options)
}

/// The sign-in form with `options`: where it posts, and whether a passkey can be used instead
/// of the password. The passkey button sits in the same (single) form and needs the
/// [`super::webauthn`] script; without it, or without JavaScript, the form is the plain one.
pub fn login_page_with(
    client_name: &str,
    hidden: &[(String, String)],
    csrf: &str,
    (email, error): (&str, Option<&str>),
    options: LoginOptions<'_>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!("<div class=\"alert\" role=\"alert\">{}</div>\n", Escaped(e))
    });
    // Focus the field the person has to fill in next.
    let (email_focus, password_focus) = if email.is_empty() {
        (" autofocus", "")
    } else {
        ("", " autofocus")
    };
    let body = format!(
        concat!(
            "<h1>Sign in</h1>\n",
            "<p class=\"lead\">Sign in to continue to <strong>{client}</strong></p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action_url}\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"login\">\n",
            "<label for=\"email\">Email</label>\n",
            "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" ",
            "autocapitalize=\"none\" spellcheck=\"false\" required value=\"{email}\"{email_focus}>\n",
            "<label for=\"password\">Password</label>\n",
            "<input id=\"password\" name=\"password\" type=\"password\" ",
            "autocomplete=\"current-password\" required{password_focus}>\n",
            "<button type=\"submit\">Sign in</button>\n",
            "{passkey}",
            "</form>\n",
            "{links}",
            "{script}"
        ),
        links = extra_links(&options),
        action_url = Escaped(options.action_url),
        passkey = if options.passkeys {
            format!(
                concat!(
                    "{inputs}",
                    "<button type=\"button\" class=\"secondary\" id=\"passkey-sign-in\" ",
                    "data-webauthn=\"get\" data-action=\"passkey\" ",
                    "data-options-url=\"/users/login/passkey/options\">",
                    "Sign in with a passkey</button>\n"
                ),
                inputs = super::webauthn::passkey_inputs("")
            )
        } else {
            String::new()
        },
        script = if options.passkeys {
            super::webauthn::script_tag()
        } else {
            String::new()
        },
        client = Escaped(client_name),
        alert = alert,
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
        email = Escaped(email),
        email_focus = email_focus,
        password_focus = password_focus,
    );
    layout("Sign in", &body)
}

/// The links under the form: upstream providers, forgotten password, sign-up.
fn extra_links(options: &LoginOptions<'_>) -> String {
    let mut out = String::new();
    if !options.upstreams.is_empty() {
        out.push_str("<ul class=\"items upstreams\">\n");
        for up in options.upstreams {
            out.push_str(&format!(
                "<li><a class=\"button secondary\" href=\"{}\">Sign in with {}</a></li>\n",
                Escaped(up.url),
                Escaped(up.name)
            ));
        }
        out.push_str("</ul>\n");
    }
    if let Some(url) = options.forgot_password_url {
        out.push_str(&format!(
            "<p class=\"muted\"><a href=\"{}\">Forgot your password?</a></p>\n",
            Escaped(url)
        ));
    }
    if let Some(url) = options.signup_url {
        out.push_str(&format!(
            "<p class=\"muted\"><a href=\"{}\">Create an account</a></p>\n",
            Escaped(url)
        ));
    }
    out
}

#[cfg(test)]
mod tests;
