//! The consent page: what the client asks for, in words, and Allow / Deny.

use super::escape::Escaped;
use super::layout::{csrf_input, Hidden};
use super::ui::Ui;

/// One scope and what granting it means, for a person rather than a developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeLine {
    /// The scope as requested.
    pub scope: String,
    /// What it lets the client do, in plain words.
    pub description: String,
}

/// Describes each requested scope once, in request order.
pub fn describe_scopes(ui: &Ui, scopes: &[String]) -> Vec<ScopeLine> {
    let mut lines: Vec<ScopeLine> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if lines.iter().any(|l| &l.scope == scope) {
            continue;
        }
        let description = match scope.as_str() {
            "openid" => ui.t("consent.scope_openid").to_owned(),
            "profile" => ui.t("consent.scope_profile").to_owned(),
            "email" => ui.t("consent.scope_email").to_owned(),
            "offline_access" => ui.t("consent.scope_offline_access").to_owned(),
            other => ui.fill("consent.scope_other", &[("scope", other)]),
        };
        lines.push(ScopeLine {
            scope: scope.clone(),
            description,
        });
    }
    lines
}

/// A protected resource (RFC 8707) the client asks to reach, as the consent page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLine {
    /// The name registered for it.
    pub name: String,
    /// Its identifier (the URL of the API or MCP server).
    pub identifier: String,
}

/// The consent form: names the client and the signed-in user, lists the scopes, and posts the
/// decision (`allow` or `deny`) back to `/authorize` with the request's parameters.
pub fn consent_page(
    ui: &Ui,
    client_name: &str,
    user_email: &str,
    scopes: &[ScopeLine],
    hidden: &[(String, String)],
    csrf: &str,
) -> String {
    consent_page_for(ui, client_name, user_email, scopes, &[], hidden, csrf)
}

/// [`consent_page`] that also names the protected resources the access would reach, so a
/// person knows *where* the app will act for them, not only what it may do.
pub fn consent_page_for(
    ui: &Ui,
    client_name: &str,
    user_email: &str,
    scopes: &[ScopeLine],
    resources: &[ResourceLine],
    hidden: &[(String, String)],
    csrf: &str,
) -> String {
    let lead = format!(
        "<p class=\"lead\">{}</p>\n",
        ui.fill_html(
            "consent.lead",
            &[(
                "client",
                &format!("<strong>{}</strong>", Escaped(client_name))
            )]
        )
    );
    consent_page_with_lead(ui, &lead, user_email, scopes, resources, hidden, csrf)
}

/// The consent page of a client known only by its metadata document: the site that published
/// it (`host`, the one thing about such a client that is verified) is the name shown, and the
/// name the document gives itself is said to be only that.
pub fn consent_page_for_site(
    ui: &Ui,
    host: &str,
    declared_name: &str,
    asked: &ConsentAsked<'_>,
) -> String {
    let strong_host = format!("<strong>{}</strong>", Escaped(host));
    let host = Escaped(host).to_string();
    let name = Escaped(declared_name).to_string();
    let lead = format!(
        "<p class=\"lead\">{}</p>\n<p class=\"muted\">{}</p>\n",
        ui.fill_html("consent.lead", &[("client", &strong_host)]),
        ui.fill_html("consent.unregistered", &[("host", &host), ("name", &name)]),
    );
    consent_page_with_lead(
        ui,
        &lead,
        asked.user_email,
        asked.scopes,
        asked.resources,
        asked.hidden,
        asked.csrf,
    )
}

/// What a consent page asks about and carries, apart from who asks: the signed-in person,
/// the scopes and resources in words, and the form's hidden fields and CSRF token.
#[derive(Debug, Clone, Copy)]
pub struct ConsentAsked<'a> {
    /// The signed-in person's address ("Signed in as …").
    pub user_email: &'a str,
    /// The scopes asked for, in words.
    pub scopes: &'a [ScopeLine],
    /// The protected resources the access would reach.
    pub resources: &'a [ResourceLine],
    /// The authorization request, carried through the form.
    pub hidden: &'a [(String, String)],
    /// The anti-forgery token.
    pub csrf: &'a str,
}

/// The consent page with a logo for the client (served by Tessera, see
/// `/branding/clients/{id}/logo`) above the question.
pub fn consent_page_with_logo(
    ui: &Ui,
    logo_url: Option<&str>,
    client_name: &str,
    asked: &ConsentAsked<'_>,
) -> String {
    let page = consent_page_for(
        ui,
        client_name,
        asked.user_email,
        asked.scopes,
        asked.resources,
        asked.hidden,
        asked.csrf,
    );
    match logo_url {
        Some(url) => {
            let img = format!(
                "<p><img class=\"logo\" src=\"{}\" alt=\"{}\"></p>\n<h1>",
                Escaped(url),
                Escaped(&ui.fill("consent.client_logo_alt", &[("client", client_name)]))
            );
            page.replacen("<h1>", &img, 1)
        }
        None => page,
    }
}

fn consent_page_with_lead(
    ui: &Ui,
    lead: &str,
    user_email: &str,
    scopes: &[ScopeLine],
    resources: &[ResourceLine],
    hidden: &[(String, String)],
    csrf: &str,
) -> String {
    let reach: String = if resources.is_empty() {
        String::new()
    } else {
        let items: String = resources
            .iter()
            .map(|r| {
                format!(
                    "<li><strong>{}</strong> <span class=\"muted\">({})</span></li>\n",
                    Escaped(&r.name),
                    Escaped(&r.identifier)
                )
            })
            .collect();
        format!(
            "<p>{}</p>\n<ul class=\"resources\">\n{items}</ul>\n",
            ui.h("consent.at")
        )
    };
    let mut items: String = scopes
        .iter()
        .map(|line| format!("<li>{}</li>\n", Escaped(&line.description)))
        .collect();
    if scopes.is_empty() {
        items.push_str(&format!("<li>{}</li>\n", ui.h("consent.scope_none")));
    }
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "{lead}",
            "<ul class=\"scopes\">\n",
            "{items}",
            "</ul>\n",
            "{reach}",
            "<p class=\"muted\">{signed_in_as}</p>\n",
            "<form method=\"post\" action=\"/authorize\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"consent\">\n",
            "<button type=\"submit\" name=\"decision\" value=\"allow\">{allow}</button>\n",
            "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">",
            "{deny}</button>\n",
            "</form>\n"
        ),
        lead = lead,
        items = items,
        reach = reach,
        heading = ui.h("consent.heading"),
        signed_in_as = ui.fill_html(
            "consent.signed_in_as",
            &[(
                "email",
                &format!("<strong>{}</strong>", Escaped(user_email))
            )]
        ),
        allow = ui.h("consent.allow"),
        deny = ui.h("consent.deny"),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
    );
    ui.page(ui.t("consent.title"), &body)
}

#[cfg(test)]
mod tests;
