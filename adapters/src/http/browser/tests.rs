use super::*;

#[test]
fn as_35_csrf_token_is_bound_to_the_browser() {
    let g = CsrfGuard::from_secret(&SecretString::from("k".repeat(40)));
    let t = g.token_for("browser-a-binding-value-0123456789");
    assert!(g.verify(Some("browser-a-binding-value-0123456789"), Some(&t)));
    assert!(!g.verify(Some("browser-b-binding-value-0123456789"), Some(&t)));
    assert!(!g.verify(None, Some(&t)));
    assert!(!g.verify(Some("browser-a-binding-value-0123456789"), None));
    assert!(!g.verify(Some("browser-a-binding-value-0123456789"), Some("x")));
    let other = CsrfGuard::from_secret(&SecretString::from("j".repeat(40)));
    assert!(!other.verify(Some("browser-a-binding-value-0123456789"), Some(&t)));
}

#[test]
fn as_36_cookies_use_host_prefix_and_secure_on_https() {
    let https = BrowserSettings::new("https://id.example", 3600);
    let c = https.session_cookie("v");
    assert_eq!(c.name(), "__Host-tessera_session");
    assert_eq!(c.secure(), Some(true));
    assert_eq!(c.http_only(), Some(true));
    assert_eq!(c.same_site(), Some(SameSite::Lax));
    assert_eq!(c.path(), Some("/"));
    let http = BrowserSettings::new("http://127.0.0.1:8080", 3600);
    assert_eq!(http.session_cookie("v").name(), "tessera_session");
}
