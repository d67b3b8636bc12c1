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
mod tests {
    use super::*;

    #[test]
    fn confirm_posts_to_logout_with_csrf() {
        let hidden = vec![("state".to_owned(), "s1".to_owned())];
        let page = logout_confirm_page(&hidden, "tok");
        assert_eq!(page.matches("<form method=\"post\"").count(), 1);
        assert!(page.contains("<form method=\"post\" action=\"/logout\">"));
        assert!(page.contains("<h1>Sign out of Tessera?</h1>"));
        assert!(page.contains("name=\"csrf_token\" value=\"tok\""));
        assert!(page.contains("name=\"state\" value=\"s1\""));
        assert!(page.contains("name=\"confirm\" value=\"yes\">Sign out</button>"));
    }

    #[test]
    fn logged_out_has_no_form() {
        let page = logged_out_page();
        assert!(page.contains("You are signed out"));
        assert!(!page.contains("<form"));
    }
}
