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
