//! The person's own account page (`/account`): profile, password, two-step sign-in, passkeys,
//! browser sessions and connected apps, each a small form posting back to `/account`.
//!
//! Every value is escaped; notices and errors are fixed texts chosen by the handler.

use super::escape::Escaped;
use super::layout::csrf_input;
use super::ui::Ui;
use super::webauthn;
use std::fmt::Write as _;

/// Said above the second factors when the sign-in is too old to change them (ASVS 7.5.1).
fn reauth_hint(ui: &Ui) -> String {
    let link = format!(
        "<a href=\"/logout\">{}</a>",
        ui.h("account.reauth_sign_out")
    );
    format!(
        "<p class=\"muted\">{}</p>\n",
        ui.fill_html("account.reauth_hint", &[("sign_out", &link)])
    )
}

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
    button_form_labelled(csrf, action, hidden, label, None)
}

/// [`button_form`] whose button also names what it acts on (`aria-label`), so a list of
/// "Remove" buttons reads as "Remove <name>" to a screen reader.
fn button_form_labelled(
    csrf: &str,
    action: &str,
    hidden: &[(&str, &str)],
    label: &str,
    aria: Option<&str>,
) -> String {
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
        "<button type=\"submit\" class=\"secondary\"{}>{}</button>\n</form>\n",
        aria.map_or_else(String::new, |a| format!(" aria-label=\"{}\"", Escaped(a))),
        Escaped(label)
    );
    out
}

/// An input for a code from the authenticator app (or a recovery code).
fn otp_input(ui: &Ui, id: &str) -> String {
    format!(
        concat!(
            "<label for=\"{id}\">{label}</label>\n",
            "<input id=\"{id}\" name=\"otp\" type=\"text\" inputmode=\"numeric\" ",
            "autocomplete=\"one-time-code\" autocapitalize=\"none\" spellcheck=\"false\" ",
            "maxlength=\"64\" required>\n"
        ),
        id = Escaped(id),
        label = ui.h("second_factor.otp_label"),
    )
}

/// The account page; `csrf` goes into every form. The passkey section, when shown, needs the
/// WebAuthn script allowed (`Ui::respond_with_script(.., true)`).
pub fn account_page(ui: &Ui, csrf: &str, view: AccountView<'_>) -> String {
    let mut body = format!("<h1>{}</h1>\n", ui.h("account.title"));
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
    profile(ui, &mut body, csrf, &view);
    password(ui, &mut body, csrf);
    two_step(ui, &mut body, csrf, &view);
    passkeys(ui, &mut body, csrf, view.passkeys, view.fresh);
    sessions(ui, &mut body, csrf, view.sessions);
    apps(ui, &mut body, csrf, view.apps);
    let _ = writeln!(
        body,
        "<p class=\"muted\"><a href=\"/logout\">{}</a></p>",
        ui.h("account.sign_out_here")
    );
    ui.page(ui.t("account.title"), &body)
}

fn profile(ui: &Ui, body: &mut String, csrf: &str, view: &AccountView<'_>) {
    let status = if view.email_verified {
        ui.h("account.verified")
    } else {
        ui.h("account.not_verified")
    };
    let email = ui.fill_html(
        "account.email",
        &[(
            "email",
            &format!("<strong>{}</strong>", Escaped(view.email)),
        )],
    );
    let _ = write!(
        body,
        concat!(
            "<h2>{heading}</h2>\n",
            "<p>{email} <span class=\"muted\">({status})</span></p>\n",
            "{open}",
            "<label for=\"name\">{name_label}</label>\n",
            "<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"200\" value=\"{name}\">\n",
            "<button type=\"submit\">{save}</button>\n",
            "</form>\n"
        ),
        heading = ui.h("account.profile"),
        name_label = ui.h("account.name"),
        save = ui.h("account.save_name"),
        email = email,
        status = status,
        open = form_open(csrf, "name"),
        name = Escaped(view.name.unwrap_or("")),
    );
}

fn password(ui: &Ui, body: &mut String, csrf: &str) {
    let _ = write!(
        body,
        concat!(
            "<h2>{heading}</h2>\n",
            "{open}",
            "<label for=\"current_password\">{current}</label>\n",
            "<input id=\"current_password\" name=\"current_password\" type=\"password\" ",
            "autocomplete=\"current-password\" required>\n",
            "<label for=\"new_password\">{new}</label>\n",
            "<input id=\"new_password\" name=\"new_password\" type=\"password\" ",
            "autocomplete=\"new-password\" required aria-describedby=\"new_password-hint\">\n",
            "<p class=\"muted\" id=\"new_password-hint\">{hint}</p>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n"
        ),
        heading = ui.h("account.password"),
        current = ui.h("account.current_password"),
        new = ui.h("account.new_password"),
        hint = ui.h("account.password_hint"),
        submit = ui.h("account.change_password"),
        open = form_open(csrf, "password"),
    );
}

fn two_step(ui: &Ui, body: &mut String, csrf: &str, view: &AccountView<'_>) {
    let _ = writeln!(body, "<h2>{}</h2>", ui.h("second_factor.heading"));
    if !view.fresh {
        body.push_str(&reauth_hint(ui));
    }
    if !view.totp {
        let _ = writeln!(body, "<p>{}</p>", ui.h("account.totp_off_text"));
        body.push_str(&form_open(csrf, "totp_begin"));
        let _ = write!(
            body,
            "<button type=\"submit\">{}</button>\n</form>\n",
            ui.h("account.totp_set_up")
        );
        return;
    }
    let left = format!("<strong>{}</strong>", view.recovery_codes_left);
    let _ = writeln!(
        body,
        "<p>{}</p>",
        ui.fill_html("account.totp_on_text", &[("count", &left)])
    );
    body.push_str(&form_open(csrf, "recovery_codes"));
    body.push_str(&otp_input(ui, "otp-renew"));
    let _ = write!(
        body,
        "<button type=\"submit\" class=\"secondary\">{}</button>\n</form>\n",
        ui.h("account.new_recovery_codes")
    );
    body.push_str(&form_open(csrf, "totp_off"));
    body.push_str(&otp_input(ui, "otp-off"));
    let _ = write!(
        body,
        "<button type=\"submit\" class=\"secondary\">{}</button>\n</form>\n",
        ui.h("account.totp_turn_off")
    );
}

fn passkeys(ui: &Ui, body: &mut String, csrf: &str, passkeys: Option<&[PasskeyLine]>, fresh: bool) {
    let _ = writeln!(body, "<h2>{}</h2>", ui.h("account.passkeys"));
    let Some(list) = passkeys else {
        let _ = writeln!(
            body,
            "<p class=\"muted\">{}</p>",
            ui.h("account.passkeys_unavailable")
        );
        return;
    };
    if !fresh {
        body.push_str(&reauth_hint(ui));
    }
    if list.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"muted\">{}</p>",
            ui.h("account.no_passkeys")
        );
    } else {
        body.push_str("<ul class=\"items\">\n");
        for (i, p) in list.iter().enumerate() {
            let used = p.last_used.as_deref().unwrap_or(ui.t("account.never"));
            let added_used = ui.fill(
                "account.passkey_added_used",
                &[("added", &p.added), ("used", used)],
            );
            let remove_aria = ui.fill("account.remove_named", &[("name", &p.name)]);
            let _ = write!(
                body,
                concat!(
                    "<li><strong>{name}</strong>\n",
                    "<p class=\"muted\">{added_used}</p>\n",
                    "{open}",
                    "<input type=\"hidden\" name=\"passkey_id\" value=\"{id}\">\n",
                    "<label for=\"passkey-{i}\">{new_name}</label>\n",
                    "<input id=\"passkey-{i}\" name=\"passkey_name\" type=\"text\" maxlength=\"64\" required value=\"{name}\">\n",
                    "<button type=\"submit\" class=\"secondary\">{rename}</button>\n",
                    "</form>\n",
                    "{remove}",
                    "</li>\n"
                ),
                name = Escaped(&p.name),
                added_used = Escaped(&added_used),
                new_name = ui.h("account.new_name"),
                rename = ui.h("account.rename"),
                open = form_open(csrf, "rename_passkey"),
                id = Escaped(&p.id),
                i = i,
                remove = button_form_labelled(
                    csrf,
                    "remove_passkey",
                    &[("passkey_id", &p.id)],
                    ui.t("account.remove"),
                    Some(&remove_aria)
                ),
            );
        }
        body.push_str("</ul>\n");
    }
    let _ = write!(
        body,
        concat!(
            "{open}",
            "{inputs}",
            "<label for=\"passkey_name\">{label}</label>\n",
            "<input id=\"passkey_name\" name=\"passkey_name\" type=\"text\" maxlength=\"64\" value=\"{default_name}\">\n",
            "<button type=\"button\" id=\"add-passkey\" data-webauthn=\"create\" ",
            "data-action=\"add_passkey\" data-options-url=\"{url}\">{add}</button>\n",
            "</form>\n",
            "{script}"
        ),
        open = form_open(csrf, "passkey_options"),
        inputs = webauthn::passkey_inputs(ui, ""),
        label = ui.h("account.new_passkey_name"),
        default_name = ui.h("account.passkey_default_name"),
        add = ui.h("account.add_passkey"),
        url = ACTION_URL,
        script = webauthn::script_tag(),
    );
}

fn sessions(ui: &Ui, body: &mut String, csrf: &str, sessions: &[SessionLine]) {
    let _ = write!(
        body,
        "<h2>{}</h2>\n<ul class=\"items\">\n",
        ui.h("account.sessions")
    );
    for s in sessions {
        let signed_in = ui.fill("account.session_signed_in", &[("when", &s.signed_in)]);
        let _ = write!(
            body,
            "<li><strong>{}</strong>\n<p class=\"muted\">{}</p>\n",
            Escaped(&signed_in),
            Escaped(&ui.fill("account.session_with", &[("how", &s.how)]))
        );
        if s.current {
            let _ = writeln!(body, "<p>{}</p>", ui.h("account.this_browser"));
        } else {
            let aria = ui.fill("account.end_session_named", &[("when", &s.signed_in)]);
            body.push_str(&button_form_labelled(
                csrf,
                "end_session",
                &[("session_id", &s.id)],
                ui.t("logout.submit"),
                Some(&aria),
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
            ui.t("account.end_other_sessions"),
        ));
    }
}

fn apps(ui: &Ui, body: &mut String, csrf: &str, apps: &[AppLine]) {
    let _ = writeln!(body, "<h2>{}</h2>", ui.h("account.apps"));
    if apps.is_empty() {
        let _ = writeln!(body, "<p class=\"muted\">{}</p>", ui.h("account.no_apps"));
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
            "</ul>\n<p class=\"muted\">{}</p>",
            Escaped(&ui.fill("account.app_allowed", &[("when", &a.granted)]))
        );
        let aria = ui.fill("account.revoke_named", &[("name", &a.name)]);
        body.push_str(&button_form_labelled(
            csrf,
            "revoke_app",
            &[("client_id", &a.client_id)],
            ui.t("account.revoke"),
            Some(&aria),
        ));
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
}

/// The TOTP enrolment: the QR code (inline SVG made on the server), the secret to type, and
/// the first code to confirm it with.
pub fn totp_enrolment_page(
    ui: &Ui,
    csrf: &str,
    qr_svg: &str,
    secret: &str,
    error: Option<&str>,
) -> String {
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<div class=\"alert\" role=\"alert\" id=\"code-error\">{}</div>\n",
            Escaped(e)
        )
    });
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "{alert}",
            "<p class=\"lead\">{lead}</p>\n",
            "<div class=\"qr\" role=\"img\" aria-label=\"{qr_label}\">{qr}</div>\n",
            "<p>{key}</p>\n",
            "{open}",
            "<label for=\"code\">{code_label}</label>\n",
            "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" ",
            "autocomplete=\"one-time-code\" maxlength=\"16\" required autofocus{invalid}>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n",
            "<p><a href=\"{url}\">{cancel}</a></p>\n"
        ),
        heading = ui.h("account.totp_set_up"),
        lead = ui.h("account.totp_lead"),
        qr_label = ui.h("account.totp_qr"),
        key = ui.fill_html(
            "account.totp_key",
            &[(
                "key",
                &format!(
                    "<strong><code id=\"totp-secret\">{}</code></strong>",
                    Escaped(secret)
                )
            )]
        ),
        code_label = ui.h("account.totp_code"),
        submit = ui.h("account.totp_turn_on"),
        cancel = ui.h("account.cancel"),
        invalid = if error.is_some() {
            " aria-invalid=\"true\" aria-describedby=\"code-error\""
        } else {
            ""
        },
        alert = alert,
        qr = qr_svg,
        open = form_open(csrf, "totp_confirm"),
        url = ACTION_URL,
    );
    ui.page(ui.t("account.totp_set_up"), &body)
}

/// The recovery codes, shown once.
pub fn recovery_codes_page(ui: &Ui, codes: &[&str]) -> String {
    let mut list = String::new();
    for c in codes {
        let _ = writeln!(list, "<li><code>{}</code></li>", Escaped(c));
    }
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<ul class=\"codes\">\n{list}</ul>\n",
            "<p><a href=\"{url}\">{back}</a></p>\n"
        ),
        heading = ui.h("account.recovery_title"),
        lead = ui.h("account.recovery_lead"),
        back = ui.h("account.back"),
        list = list,
        url = ACTION_URL,
    );
    ui.page(ui.t("account.recovery_title"), &body)
}

#[cfg(test)]
mod tests;
