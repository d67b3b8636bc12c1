//! The person's own account page (`/account`): profile, password, two-step sign-in, passkeys,
//! browser sessions and connected apps, each a small form posting back to `/account`.
//!
//! Every value is escaped; notices and errors are fixed texts chosen by the handler.

use super::escape::Escaped;
use super::layout::{csrf_input, layout};
use super::webauthn;
use std::fmt::Write as _;

/// Said above the second factors when the sign-in is too old to change them (ASVS 7.5.1).
const REAUTH_HINT: &str = concat!(
    "<p class=\"muted\">You signed in a while ago: to change these, <a href=\"/logout\">sign ",
    "out</a> and sign in again first.</p>\n"
);

/// Where every form of the page posts.
const ACTION_URL: &str = "/account";

/// One passkey line.
#[derive(Debug, Clone)]
pub struct PasskeyLine {
    /// Its id (the rename and remove forms name it).
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was added, as text.
    pub added: String,
    /// When it was last used, as text.
    pub last_used: Option<String>,
}

/// One browser session line.
#[derive(Debug, Clone)]
pub struct SessionLine {
    /// Public id (never the cookie).
    pub id: String,
    /// When, as text.
    pub signed_in: String,
    /// How, in words.
    pub how: String,
    /// The session of this browser.
    pub current: bool,
}

/// One connected app line.
#[derive(Debug, Clone)]
pub struct AppLine {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// What it may do, in words.
    pub scopes: Vec<String>,
    /// When it was allowed, as text.
    pub granted: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, Copy)]
pub struct AccountView<'a> {
    /// The address.
    pub email: &'a str,
    /// Whether it was proven.
    pub email_verified: bool,
    /// The display name.
    pub name: Option<&'a str>,
    /// A one-shot notice after a change (fixed text).
    pub notice: Option<&'a str>,
    /// A one-shot error (fixed text).
    pub error: Option<&'a str>,
    /// The sign-in is recent enough to change second factors without signing in again.
    pub fresh: bool,
    /// TOTP is on.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// The passkeys; `None` when passkeys cannot be used on this server.
    pub passkeys: Option<&'a [PasskeyLine]>,
    /// The live sessions.
    pub sessions: &'a [SessionLine],
    /// The connected apps.
    pub apps: &'a [AppLine],
}

/// The opening of a form of this page, with its action and CSRF token.
fn form_open(csrf: &str, action: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{ACTION_URL}\">\n{}<input type=\"hidden\" name=\"action\" value=\"{}\">\n",
        csrf_input(csrf),
        Escaped(action)
    )
}

/// A form with hidden fields and one button.
fn button_form(csrf: &str, action: &str, hidden: &[(&str, &str)], label: &str) -> String {
    let mut out = form_open(csrf, action);
    for (name, value) in hidden {
        let _ = writeln!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            Escaped(name),
            Escaped(value)
        );
    }
    let _ = write!(
        out,
        "<button type=\"submit\" class=\"secondary\">{}</button>\n</form>\n",
        Escaped(label)
    );
    out
}

/// An input for a code from the authenticator app (or a recovery code).
fn otp_input(id: &str) -> String {
    format!(
        concat!(
            "<label for=\"{id}\">Code from your authenticator app</label>\n",
            "<input id=\"{id}\" name=\"otp\" type=\"text\" inputmode=\"numeric\" ",
            "autocomplete=\"one-time-code\" autocapitalize=\"none\" spellcheck=\"false\" ",
            "maxlength=\"64\" required>\n"
        ),
        id = Escaped(id)
    )
}

/// The account page; `csrf` goes into every form. The passkey section, when shown, needs the
/// WebAuthn script allowed (`html_response_with_script(.., true)`).
pub fn account_page(csrf: &str, view: AccountView<'_>) -> String {
    let mut body = String::from("<h1>Your account</h1>\n");
    if let Some(n) = view.notice {
        let _ = writeln!(
            body,
            "<div class=\"notice\" role=\"status\">{}</div>",
            Escaped(n)
        );
    }
    if let Some(e) = view.error {
        let _ = writeln!(
            body,
            "<div class=\"alert\" role=\"alert\">{}</div>",
            Escaped(e)
        );
    }
    profile(&mut body, csrf, &view);
    password(&mut body, csrf);
    two_step(&mut body, csrf, &view);
    passkeys(&mut body, csrf, view.passkeys, view.fresh);
    sessions(&mut body, csrf, view.sessions);
    apps(&mut body, csrf, view.apps);
    body.push_str("<p class=\"muted\"><a href=\"/logout\">Sign out of this browser</a></p>\n");
    layout("Your account", &body)
}

fn profile(body: &mut String, csrf: &str, view: &AccountView<'_>) {
    let status = if view.email_verified {
        "verified"
    } else {
        "not verified yet"
    };
    let _ = write!(
        body,
        concat!(
            "<h2>Profile</h2>\n",
            "<p>Email: <strong>{email}</strong> <span class=\"muted\">({status})</span></p>\n",
            "{open}",
            "<label for=\"name\">Name</label>\n",
            "<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"200\" value=\"{name}\">\n",
            "<button type=\"submit\">Save name</button>\n",
            "</form>\n"
        ),
        email = Escaped(view.email),
        status = status,
        open = form_open(csrf, "name"),
        name = Escaped(view.name.unwrap_or("")),
    );
}

fn password(body: &mut String, csrf: &str) {
    let _ = write!(
        body,
        concat!(
            "<h2>Password</h2>\n",
            "{open}",
            "<label for=\"current_password\">Current password</label>\n",
            "<input id=\"current_password\" name=\"current_password\" type=\"password\" ",
            "autocomplete=\"current-password\" required>\n",
            "<label for=\"new_password\">New password</label>\n",
            "<input id=\"new_password\" name=\"new_password\" type=\"password\" ",
            "autocomplete=\"new-password\" required>\n",
            "<p class=\"muted\">Changing it signs you out everywhere, here too.</p>\n",
            "<button type=\"submit\">Change password</button>\n",
            "</form>\n"
        ),
        open = form_open(csrf, "password"),
    );
}

fn two_step(body: &mut String, csrf: &str, view: &AccountView<'_>) {
    body.push_str("<h2>Two-step sign-in</h2>\n");
    if !view.fresh {
        body.push_str(REAUTH_HINT);
    }
    if !view.totp {
        body.push_str(
            "<p>Off. An authenticator app can ask for a code each time you sign in.</p>\n",
        );
        body.push_str(&form_open(csrf, "totp_begin"));
        body.push_str("<button type=\"submit\">Set up an authenticator app</button>\n</form>\n");
        return;
    }
    let _ = writeln!(
        body,
        "<p>On, with an authenticator app. Recovery codes left: <strong>{}</strong>.</p>",
        view.recovery_codes_left
    );
    body.push_str(&form_open(csrf, "recovery_codes"));
    body.push_str(&otp_input("otp-renew"));
    body.push_str(
        "<button type=\"submit\" class=\"secondary\">New recovery codes</button>\n</form>\n",
    );
    body.push_str(&form_open(csrf, "totp_off"));
    body.push_str(&otp_input("otp-off"));
    body.push_str("<button type=\"submit\" class=\"secondary\">Turn off</button>\n</form>\n");
}

fn passkeys(body: &mut String, csrf: &str, passkeys: Option<&[PasskeyLine]>, fresh: bool) {
    body.push_str("<h2>Passkeys</h2>\n");
    let Some(list) = passkeys else {
        body.push_str(concat!(
            "<p class=\"muted\">Passkeys are not available here: browsers allow them only on a ",
            "server reached by its host name, and this one is reached by an IP address.</p>\n"
        ));
        return;
    };
    if !fresh {
        body.push_str(REAUTH_HINT);
    }
    if list.is_empty() {
        body.push_str("<p class=\"muted\">No passkeys yet.</p>\n");
    } else {
        body.push_str("<ul class=\"items\">\n");
        for (i, p) in list.iter().enumerate() {
            let used = p.last_used.as_deref().unwrap_or("never");
            let _ = write!(
                body,
                concat!(
                    "<li><strong>{name}</strong>\n",
                    "<p class=\"muted\">Added {added}, last used {used}</p>\n",
                    "{open}",
                    "<input type=\"hidden\" name=\"passkey_id\" value=\"{id}\">\n",
                    "<label for=\"passkey-{i}\">New name</label>\n",
                    "<input id=\"passkey-{i}\" name=\"passkey_name\" type=\"text\" maxlength=\"64\" required value=\"{name}\">\n",
                    "<button type=\"submit\" class=\"secondary\">Rename</button>\n",
                    "</form>\n",
                    "{remove}",
                    "</li>\n"
                ),
                name = Escaped(&p.name),
                added = Escaped(&p.added),
                used = Escaped(used),
                open = form_open(csrf, "rename_passkey"),
                id = Escaped(&p.id),
                i = i,
                remove = button_form(csrf, "remove_passkey", &[("passkey_id", &p.id)], "Remove"),
            );
        }
        body.push_str("</ul>\n");
    }
    let _ = write!(
        body,
        concat!(
            "{open}",
            "{inputs}",
            "<label for=\"passkey_name\">Name for a new passkey</label>\n",
            "<input id=\"passkey_name\" name=\"passkey_name\" type=\"text\" maxlength=\"64\" value=\"Passkey\">\n",
            "<button type=\"button\" id=\"add-passkey\" data-webauthn=\"create\" ",
            "data-action=\"add_passkey\" data-options-url=\"{url}\">Add a passkey</button>\n",
            "</form>\n",
            "{script}"
        ),
        open = form_open(csrf, "passkey_options"),
        inputs = webauthn::passkey_inputs(""),
        url = ACTION_URL,
        script = webauthn::script_tag(),
    );
}

fn sessions(body: &mut String, csrf: &str, sessions: &[SessionLine]) {
    body.push_str("<h2>Where you are signed in</h2>\n<ul class=\"items\">\n");
    for s in sessions {
        let _ = write!(
            body,
            "<li><strong>Signed in {}</strong>\n<p class=\"muted\">With {}</p>\n",
            Escaped(&s.signed_in),
            Escaped(&s.how)
        );
        if s.current {
            body.push_str("<p>This browser</p>\n");
        } else {
            body.push_str(&button_form(
                csrf,
                "end_session",
                &[("session_id", &s.id)],
                "Sign out",
            ));
        }
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
    if sessions.iter().any(|s| !s.current) {
        body.push_str(&button_form(
            csrf,
            "end_other_sessions",
            &[],
            "Sign out all other sessions",
        ));
    }
}

fn apps(body: &mut String, csrf: &str, apps: &[AppLine]) {
    body.push_str("<h2>Connected apps</h2>\n");
    if apps.is_empty() {
        body.push_str("<p class=\"muted\">No app has access to your account.</p>\n");
        return;
    }
    body.push_str("<ul class=\"items\">\n");
    for a in apps {
        let _ = write!(body, "<li><strong>{}</strong>\n<ul>\n", Escaped(&a.name));
        for s in &a.scopes {
            let _ = writeln!(body, "<li>{}</li>", Escaped(s));
        }
        let _ = writeln!(
            body,
            "</ul>\n<p class=\"muted\">Allowed {}</p>",
            Escaped(&a.granted)
        );
        body.push_str(&button_form(
            csrf,
            "revoke_app",
            &[("client_id", &a.client_id)],
            "Revoke",
        ));
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
}

/// The TOTP enrolment: the QR code (inline SVG made on the server), the secret to type, and
/// the first code to confirm it with.
pub fn totp_enrolment_page(csrf: &str, qr_svg: &str, secret: &str, error: Option<&str>) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!("<div class=\"alert\" role=\"alert\">{}</div>\n", Escaped(e))
    });
    let body = format!(
        concat!(
            "<h1>Set up an authenticator app</h1>\n",
            "{alert}",
            "<p class=\"lead\">Scan this code with your authenticator app, or type the key below.</p>\n",
            "<div class=\"qr\">{qr}</div>\n",
            "<p>Key: <strong><code id=\"totp-secret\">{secret}</code></strong></p>\n",
            "{open}",
            "<label for=\"code\">Code from the app</label>\n",
            "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" ",
            "autocomplete=\"one-time-code\" maxlength=\"16\" required autofocus>\n",
            "<button type=\"submit\">Turn on</button>\n",
            "</form>\n",
            "<p><a href=\"{url}\">Cancel</a></p>\n"
        ),
        alert = alert,
        qr = qr_svg,
        secret = Escaped(secret),
        open = form_open(csrf, "totp_confirm"),
        url = ACTION_URL,
    );
    layout("Set up an authenticator app", &body)
}

/// The recovery codes, shown once.
pub fn recovery_codes_page(codes: &[&str]) -> String {
    let mut list = String::new();
    for c in codes {
        let _ = writeln!(list, "<li><code>{}</code></li>", Escaped(c));
    }
    let body = format!(
        concat!(
            "<h1>Your recovery codes</h1>\n",
            "<p class=\"lead\">Two-step sign-in is on. Keep these codes somewhere safe: each ",
            "signs you in once if you lose your device. They are shown only now.</p>\n",
            "<ul class=\"codes\">\n{list}</ul>\n",
            "<p><a href=\"{url}\">Back to your account</a></p>\n"
        ),
        list = list,
        url = ACTION_URL,
    );
    layout("Your recovery codes", &body)
}

#[cfg(test)]
mod tests;
