//! `return_to`: where the sign-up, forgotten-password and verification pages lead back to.
//!
//! Only a relative path on this server to a page that starts or resumes a sign-in is
//! accepted: `/authorize?…`, `/device` and `/account`. Anything else (an absolute URL, `//host`,
//! a backslash, a fragment, control characters, an over-long value) is dropped, never
//! followed, so these pages can never become an open redirector (AS-05).

use crate::http::form::OAuthForm;
use actix_web::HttpRequest;

/// The longest `return_to` kept: an authorization request with a long `state` and `nonce`
/// fits; anything longer is dropped.
pub const MAX_RETURN_TO: usize = 4096;

/// `value` when it is a path this server may lead back to, else `None`.
pub fn checked(value: &str) -> Option<&str> {
    if value.is_empty()
        || value.len() > MAX_RETURN_TO
        || !value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'#')
    {
        return None;
    }
    let allowed =
        value.starts_with("/authorize?") || is_page(value, "/device") || is_page(value, "/account");
    allowed.then_some(value)
}

/// `value` is `path` itself or `path?…`.
fn is_page(value: &str, path: &str) -> bool {
    value
        .strip_prefix(path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('?'))
}

/// The checked `return_to` of a request's query string.
pub fn from_query(req: &HttpRequest) -> Option<String> {
    let form = OAuthForm::parse(req.query_string().as_bytes()).ok()?;
    from_form(&form)
}

/// The checked `return_to` of a parsed form or query.
pub fn from_form(form: &OAuthForm) -> Option<String> {
    form.get("return_to").and_then(checked).map(str::to_owned)
}

/// `path`, with `?return_to=…` when there is somewhere to return to.
pub fn link(path: &str, return_to: Option<&str>) -> String {
    match return_to.and_then(checked) {
        Some(r) => {
            let query = serde_urlencoded::to_string([("return_to", r)]).unwrap_or_default();
            format!("{path}?{query}")
        }
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_requests_and_the_two_pages_are_kept() {
        for ok in [
            "/authorize?client_id=a&state=b",
            "/device",
            "/device?user_code=ABCD-EFGH",
            "/account",
            "/account?tab=x",
        ] {
            assert_eq!(checked(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn anything_else_is_dropped() {
        for bad in [
            "",
            "https://evil.example/authorize?x",
            "//evil.example/authorize?x",
            "/\\evil.example",
            "/authorize",
            "/authorizex?y",
            "/devices",
            "/account/../x",
            "/accountx",
            "/authorize?a=1#frag",
            "/authorize?a=1\r\nLocation: x",
            "/authorize?a= 1",
            "javascript:alert(1)",
            "/logout?post_logout_redirect_uri=https://evil.example",
            "/authorize?é",
        ] {
            assert_eq!(checked(bad), None, "{bad:?}");
        }
        let long = format!("/authorize?{}", "a".repeat(MAX_RETURN_TO));
        assert_eq!(checked(&long), None);
    }

    #[test]
    fn links_carry_it_encoded_or_not_at_all() {
        assert_eq!(
            link("/signup", Some("/authorize?a=1&b=2")),
            "/signup?return_to=%2Fauthorize%3Fa%3D1%26b%3D2"
        );
        assert_eq!(link("/signup", Some("https://evil.example")), "/signup");
        assert_eq!(link("/signup", None), "/signup");
    }
}
