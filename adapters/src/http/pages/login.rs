//! The login page: email and password, posted back to `/authorize` with the request's parameters.

use super::escape::Escaped;
use super::layout::{csrf_input, layout, Hidden};

/// The sign-in form for an authorization request.
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
            "<form method=\"post\" action=\"/authorize\">\n",
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
            "</form>\n"
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, String)> {
        vec![
            ("client_id".to_owned(), "app".to_owned()),
            ("state".to_owned(), "xyz".to_owned()),
        ]
    }

    #[test]
    fn has_the_contract_fields() {
        let page = login_page("Demo App", &params(), "tok123", "", None);
        assert_eq!(page.matches("<form method=\"post\"").count(), 1);
        assert!(page.contains("<form method=\"post\" action=\"/authorize\">"));
        assert!(page.contains("name=\"email\" type=\"email\" autocomplete=\"username\""));
        assert!(
            page.contains("name=\"password\" type=\"password\" autocomplete=\"current-password\"")
        );
        assert!(page.contains("name=\"csrf_token\" value=\"tok123\""));
        assert!(page.contains("name=\"action\" value=\"login\""));
        assert!(page.contains("name=\"client_id\" value=\"app\""));
        assert!(page.contains("name=\"state\" value=\"xyz\""));
        assert!(page.contains("Sign in to continue to <strong>Demo App</strong>"));
        assert!(page.contains("<button type=\"submit\">Sign in</button>"));
        assert!(!page.contains("role=\"alert\""));
        assert!(page.contains("value=\"\" autofocus"));
    }

    #[test]
    fn error_comes_before_the_form_and_email_is_kept() {
        let page = login_page(
            "Demo",
            &[],
            "t",
            "ann@example.com",
            Some("Wrong email or password."),
        );
        let alert = page
            .find("<div class=\"alert\" role=\"alert\">Wrong email or password.</div>")
            .unwrap();
        assert!(alert < page.find("<form").unwrap());
        assert!(page.contains("value=\"ann@example.com\">"));
        assert!(page.contains("current-password\" required autofocus>"));
        assert!(!page.contains("name=\"password\" type=\"password\" value"));
    }
}
