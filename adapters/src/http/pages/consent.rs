//! The consent page: what the client asks for, in words, and Allow / Deny.

use super::escape::Escaped;
use super::layout::{csrf_input, layout, Hidden};

/// One scope and what granting it means, for a person rather than a developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeLine {
    /// The scope as requested.
    pub scope: String,
    /// What it lets the client do, in plain words.
    pub description: String,
}

/// Describes each requested scope once, in request order.
pub fn describe_scopes(scopes: &[String]) -> Vec<ScopeLine> {
    let mut lines: Vec<ScopeLine> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if lines.iter().any(|l| &l.scope == scope) {
            continue;
        }
        let description = match scope.as_str() {
            "openid" => "Confirm who you are (your account identifier)".to_owned(),
            "profile" => "See your name".to_owned(),
            "email" => "See your email address and whether it is verified".to_owned(),
            "offline_access" => "Keep access while you are not using the app".to_owned(),
            other => format!("Access \u{201c}{other}\u{201d}"),
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
    client_name: &str,
    user_email: &str,
    scopes: &[ScopeLine],
    hidden: &[(String, String)],
    csrf: &str,
) -> String {
    consent_page_for(client_name, user_email, scopes, &[], hidden, csrf)
}

/// [`consent_page`] that also names the protected resources the access would reach, so a
/// person knows *where* the app will act for them, not only what it may do.
pub fn consent_page_for(
    client_name: &str,
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
        format!("<p>at</p>\n<ul class=\"resources\">\n{items}</ul>\n")
    };
    let mut items: String = scopes
        .iter()
        .map(|line| format!("<li>{}</li>\n", Escaped(&line.description)))
        .collect();
    if scopes.is_empty() {
        items.push_str("<li>Know that you signed in</li>\n");
    }
    let body = format!(
        concat!(
            "<h1>Allow access?</h1>\n",
            "<p class=\"lead\"><strong>{client}</strong> wants to:</p>\n",
            "<ul class=\"scopes\">\n",
            "{items}",
            "</ul>\n",
            "{reach}",
            "<p class=\"muted\">Signed in as <strong>{email}</strong></p>\n",
            "<form method=\"post\" action=\"/authorize\">\n",
            "{hidden}",
            "{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"consent\">\n",
            "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n",
            "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">",
            "Deny</button>\n",
            "</form>\n"
        ),
        client = Escaped(client_name),
        items = items,
        reach = reach,
        email = Escaped(user_email),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
    );
    layout("Allow access?", &body)
}

#[cfg(test)]
mod tests;
