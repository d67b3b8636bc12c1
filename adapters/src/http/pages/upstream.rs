//! The pages of a sign-in through an upstream provider: why it failed, and the form where a
//! person proves an existing account (its password) before it is linked.

use super::escape::Escaped;
use super::layout::csrf_input;
use super::ui::Ui;

/// Why an upstream sign-in stopped, as the page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamProblem {
    /// The provider could not be reached.
    Unavailable,
    /// Its answer could not be verified (tampered token, wrong nonce, replayed state, mix-up).
    Invalid,
    /// No pending sign-in in this browser (expired, or cookies blocked).
    Expired,
    /// The provider said no (the person cancelled).
    Refused,
    /// No account is linked and accounts are not created automatically.
    NoAccount,
    /// The provider shared no email address to make an account from.
    NoEmail,
    /// The identity belongs to another account, or the account is disabled.
    NotLinkable,
    /// No such provider.
    Unknown,
    /// The link is the account's only way in (no password, no other link).
    LastWayIn,
}

impl UpstreamProblem {
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::Unavailable => ("upstream.unavailable_title", "upstream.unavailable"),
            Self::Invalid => ("upstream.invalid_title", "upstream.invalid"),
            Self::Expired => ("upstream.expired_title", "upstream.expired"),
            Self::Refused => ("upstream.refused_title", "upstream.refused"),
            Self::NoAccount => ("upstream.no_account_title", "upstream.no_account"),
            Self::NoEmail => ("upstream.no_account_title", "upstream.no_email"),
            Self::NotLinkable => ("upstream.not_linkable_title", "upstream.not_linkable"),
            Self::Unknown => ("upstream.unknown_title", "upstream.unknown"),
            Self::LastWayIn => ("upstream.not_linkable_title", "upstream.account_last"),
        }
    }
}

/// The page for `problem`; `back` (a same-site path, never a URL from the request) offers the
/// way back to the login page.
pub fn upstream_problem_page(ui: &Ui, problem: UpstreamProblem, back: Option<&str>) -> String {
    let (title, message) = problem.keys();
    let back = back.map_or_else(String::new, |url| {
        format!(
            "<p><a class=\"button secondary\" href=\"{}\">{}</a></p>\n",
            Escaped(url),
            ui.h("upstream.back")
        )
    });
    let body = format!(
        "<h1>{}</h1>\n<p role=\"alert\">{}</p>\n{back}",
        ui.h(title),
        ui.h(message)
    );
    ui.page(ui.t(title), &body)
}

/// What the proof page shows.
#[derive(Debug, Clone, Copy)]
pub struct LinkProof<'a> {
    /// The upstream's name.
    pub provider: &'a str,
    /// The existing account's email.
    pub email: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// Where the form posts.
    pub action_url: &'a str,
    /// Where "Cancel" goes (the login page of the request).
    pub cancel_url: &'a str,
}

/// The form asking the owner of an existing account with the same email for its password
/// before the upstream identity is linked to it (never linked on the email alone).
pub fn link_proof_page(ui: &Ui, view: LinkProof<'_>, error: Option<&str>) -> String {
    let (alert, invalid) = match error {
        Some(e) => (
            format!(
                "<div class=\"alert\" role=\"alert\" id=\"password-error\">{}</div>\n",
                Escaped(e)
            ),
            " aria-invalid=\"true\" aria-describedby=\"password-error\"",
        ),
        None => (String::new(), ""),
    };
    let strong = |v: &str| format!("<strong>{}</strong>", Escaped(v));
    let body = format!(
        concat!(
            "<h1>{title}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "{alert}",
            "<form method=\"post\" action=\"{action}\">\n",
            "{csrf}",
            "<label for=\"password\">{label}</label>\n",
            "<input id=\"password\" name=\"password\" type=\"password\" ",
            "autocomplete=\"current-password\" required autofocus{invalid}>\n",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n",
            "<p class=\"muted\"><a href=\"{cancel}\">{cancel_text}</a></p>\n"
        ),
        title = ui.h("upstream.link_title"),
        lead = ui.fill_html(
            "upstream.link_lead",
            &[
                ("email", &strong(view.email)),
                ("provider", &strong(view.provider))
            ]
        ),
        alert = alert,
        action = Escaped(view.action_url),
        csrf = csrf_input(view.csrf),
        label = ui.h("upstream.link_password"),
        invalid = invalid,
        submit = ui.h("upstream.link_submit"),
        cancel = Escaped(view.cancel_url),
        cancel_text = ui.h("upstream.link_cancel"),
    );
    ui.page(ui.t("upstream.link_title"), &body)
}

#[cfg(test)]
mod tests;

/// One upstream on the account page.
#[derive(Debug, Clone)]
pub struct AccountUpstreamLine {
    /// The upstream's id (in the form actions).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether the account is linked to it.
    pub linked: bool,
}

/// The account page's section of sign-ins through other providers: each linked one with an
/// "Unlink" button, each other one with a "Link" button (both CSRF-protected forms).
pub fn account_upstreams_section(ui: &Ui, csrf: &str, lines: &[AccountUpstreamLine]) -> String {
    let mut out = format!(
        "<section aria-labelledby=\"upstreams-heading\">\n<h2 id=\"upstreams-heading\">{}</h2>\n<ul class=\"items\">\n",
        ui.h("upstream.account_heading")
    );
    for line in lines {
        let id = Escaped(&line.id);
        let (text, action, button) = if line.linked {
            (
                ui.fill("upstream.account_linked", &[("provider", &line.name)]),
                "unlink",
                ui.t("upstream.account_unlink").to_owned(),
            )
        } else {
            (
                line.name.clone(),
                "link",
                ui.fill("upstream.account_link", &[("provider", &line.name)]),
            )
        };
        out.push_str(&format!(
            concat!(
                "<li><span>{text}</span>\n",
                "<form method=\"post\" action=\"/upstream/{id}/{action}\">\n{csrf}",
                "<button type=\"submit\" class=\"secondary\">{button}</button>\n</form></li>\n"
            ),
            text = Escaped(&text),
            id = id,
            action = action,
            csrf = csrf_input(csrf),
            button = Escaped(&button),
        ));
    }
    out.push_str("</ul>\n</section>\n");
    out
}
