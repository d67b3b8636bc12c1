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
    respond_with_csp(status, body, &CSP)
}

/// Builds a page response with `csp` and the other security headers every page needs.
pub(super) fn respond_with_csp(status: StatusCode, body: String, csp: &str) -> HttpResponse {
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
mod tests;
