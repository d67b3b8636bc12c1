//! RP-initiated logout: the confirmation that stops forced-logout CSRF (ASVS 10.6.2, AS-35), and
//! the page shown afterwards when there is nowhere to send the user back to.

use super::layout::{csrf_input, layout, Hidden};

/// Asks the user to confirm signing out; a bare GET never ends the session. `hidden` carries the
/// logout request's parameters (`id_token_hint`, `post_logout_redirect_uri`, `state`, ...).
pub fn logout_confirm_page(hidden: &[(String, String)], csrf: &str) -> String {
    let body = format!(
        concat!(
            "<h1>Sign out of Tessera?</h1>\n",
            "<p class=\"lead\">You will be signed out on this device.</p>\n",
            "<form method=\"post\" action=\"/logout\">\n",
            "{hidden}",
            "{csrf}",
            "<button type=\"submit\" name=\"confirm\" value=\"yes\">Sign out</button>\n",
            "</form>\n"
        ),
        hidden = Hidden(hidden),
        csrf = csrf_input(csrf),
    );
    layout("Sign out", &body)
}

/// Confirms the session has ended.
pub fn logged_out_page() -> String {
    layout(
        "Signed out",
        concat!(
            "<h1>You are signed out</h1>\n",
            "<p class=\"lead\">You can close this window.</p>\n"
        ),
    )
}

#[cfg(test)]
mod tests;
