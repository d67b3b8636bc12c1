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
    assert!(page.contains("name=\"password\" type=\"password\" autocomplete=\"current-password\""));
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
