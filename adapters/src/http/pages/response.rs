//! The one way pages leave the server: with the headers that keep them out of frames, caches,
//! Referer headers and script injection (AS-26, AS-33, AS-34).

use super::layout::style_source;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use std::sync::LazyLock;

/// The pages' Content-Security-Policy: nothing but the one hashed stylesheet (and same-origin
/// or data: images). No `form-action`: Chrome applies it to the redirect that follows a form
/// post, which would block sending the code to the client.
static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; img-src 'self' data:; frame-ancestors 'none'; \
         base-uri 'none'",
        style_source()
    )
});

/// Builds an HTML response with `status` and the security headers every page needs.
pub fn html_response(status: StatusCode, body: String) -> HttpResponse {
    respond(status, body, &CSP)
}

/// Like [`html_response`], but the CSP also allows the one inline script with hash `source`.
pub(super) fn with_script(status: StatusCode, body: String, source: &str) -> HttpResponse {
    respond(
        status,
        body,
        &format!("{}; script-src {source}", CSP.as_str()),
    )
}

fn respond(status: StatusCode, body: String, csp: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn sets_the_security_headers_and_keeps_the_body() {
        let resp = html_response(StatusCode::BAD_REQUEST, "<p>hi</p>".to_owned());
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let h = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_default()
        };
        assert_eq!(h(header::CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(h(header::CACHE_CONTROL), "no-store");
        assert_eq!(h(header::PRAGMA), "no-cache");
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(h(header::REFERRER_POLICY), "no-referrer");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert_eq!(
            csp,
            format!(
                "default-src 'none'; style-src {}; img-src 'self' data:; \
                 frame-ancestors 'none'; base-uri 'none'",
                style_source()
            )
        );
        assert!(csp.contains("style-src 'sha256-"));
        assert!(!csp.contains("form-action"));
        assert!(!csp.contains("script-src"));
        let body = resp.into_body().try_into_bytes().unwrap();
        assert_eq!(&body[..], b"<p>hi</p>");
    }
}
