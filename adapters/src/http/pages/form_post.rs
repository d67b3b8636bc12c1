//! OAuth 2.0 Form Post Response Mode: the authorization response as a form the browser posts to
//! the client's redirect URI.
//!
//! The usual auto-submitting script is not possible under the pages' CSP (no scripts at all), so
//! the button is always shown and the user clicks it.

use super::escape::Escaped;
use super::layout::{hidden_input, layout};
use std::fmt;

/// A form that posts `params` (code, state, iss, or an error) to `redirect_uri`.
///
/// `redirect_uri` must already be validated against the client's registration (AS-01); this
/// function only escapes it. Every parameter is sent, whatever its name.
pub fn form_post_page(redirect_uri: &str, params: &[(String, String)]) -> String {
    let body = format!(
        concat!(
            "<h1>Almost done</h1>\n",
            "<p class=\"lead\">Continue to the application to finish signing in.</p>\n",
            "<form method=\"post\" action=\"{action}\">\n",
            "{inputs}",
            "<button type=\"submit\">Continue to the application</button>\n",
            "</form>\n"
        ),
        action = Escaped(redirect_uri),
        inputs = Inputs(params),
    );
    layout("Continue", &body)
}

/// All pairs as hidden inputs, unfiltered (unlike [`super::Hidden`]).
struct Inputs<'a>(&'a [(String, String)]);

impl fmt::Display for Inputs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.0 {
            hidden_input(f, name, value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_every_parameter_to_the_redirect_uri_without_script() {
        let params = vec![
            ("code".to_owned(), "c0de".to_owned()),
            ("state".to_owned(), "s&t".to_owned()),
            ("iss".to_owned(), "https://id.example".to_owned()),
        ];
        let page = form_post_page("https://app.example/cb?x=1&y=2", &params);
        assert_eq!(page.matches("<form method=\"post\"").count(), 1);
        assert!(
            page.contains("<form method=\"post\" action=\"https://app.example/cb?x=1&amp;y=2\">")
        );
        assert!(page.contains("<input type=\"hidden\" name=\"code\" value=\"c0de\">"));
        assert!(page.contains("<input type=\"hidden\" name=\"state\" value=\"s&amp;t\">"));
        assert!(page.contains("name=\"iss\" value=\"https://id.example\""));
        assert!(page.contains("<button type=\"submit\">Continue to the application</button>"));
        assert!(!page.contains("<script") && !page.contains("<noscript"));
    }
}
