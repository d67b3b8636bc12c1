//! OAuth 2.0 Form Post Response Mode: the authorization response as a form the browser posts to
//! the client's redirect URI.
//!
//! The form submits itself with one inline script, allowed by its hash in this page's CSP alone
//! (every other page runs no script); without JavaScript the button does the same.

use super::escape::Escaped;
use super::layout::hidden_input;
use super::ui::Ui;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use base64::Engine;
use std::fmt;
use std::sync::LazyLock;

/// The auto-submit script, exactly as it appears in the page.
const AUTO_SUBMIT: &str = "document.forms[0].submit();";

/// `'sha256-…'` of [`AUTO_SUBMIT`], for `script-src`.
static AUTO_SUBMIT_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = openssl::sha::sha256(AUTO_SUBMIT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The form post page as a response whose CSP allows only its own auto-submit script.
pub fn form_post_response(
    ui: &Ui,
    redirect_uri: &str,
    params: &[(String, String)],
) -> HttpResponse {
    let csp = format!(
        "{}; script-src {}",
        ui.theme.csp(),
        AUTO_SUBMIT_SOURCE.as_str()
    );
    let mut res = super::response::respond_with_csp(
        StatusCode::OK,
        form_post_page(ui, redirect_uri, params),
        &csp,
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(ui.locale.tag()) {
        res.headers_mut()
            .insert(actix_web::http::header::CONTENT_LANGUAGE, v);
    }
    res
}

/// A form that posts `params` (code, state, iss, or an error) to `redirect_uri`.
///
/// `redirect_uri` must already be validated against the client's registration (AS-01); this
/// function only escapes it. Every parameter is sent, whatever its name.
pub fn form_post_page(ui: &Ui, redirect_uri: &str, params: &[(String, String)]) -> String {
    let body = format!(
        concat!(
            "<h1>{heading}</h1>\n",
            "<p class=\"lead\">{lead}</p>\n",
            "<form method=\"post\" action=\"{action}\">\n",
            "{inputs}",
            "<button type=\"submit\">{submit}</button>\n",
            "</form>\n",
            "<script>{script}</script>\n"
        ),
        heading = ui.h("common.form_post_heading"),
        lead = ui.h("common.form_post_lead"),
        submit = ui.h("common.form_post_submit"),
        script = AUTO_SUBMIT,
        action = Escaped(redirect_uri),
        inputs = Inputs(params),
    );
    ui.page(ui.t("common.form_post_title"), &body)
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
mod tests;
