use super::*;

#[test]
fn posts_every_parameter_to_the_redirect_uri() {
    let params = vec![
        ("code".to_owned(), "c0de".to_owned()),
        ("state".to_owned(), "s&t".to_owned()),
        ("iss".to_owned(), "https://id.example".to_owned()),
    ];
    let page = form_post_page(&Ui::default(), "https://app.example/cb?x=1&y=2", &params);
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("<form method=\"post\" action=\"https://app.example/cb?x=1&amp;y=2\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"code\" value=\"c0de\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"state\" value=\"s&amp;t\">"));
    assert!(page.contains("name=\"iss\" value=\"https://id.example\""));
    assert!(page.contains("<button type=\"submit\">Continue to the application</button>"));
    assert_eq!(page.matches("<script").count(), 1);
    let res = form_post_response(&Ui::default(), "https://app.example/cb", &params);
    let csp = res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
}

#[test]
fn in_german_the_fallback_button_is_german() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::De);
    let page = form_post_page(&ui, "https://app.example/cb", &[]);
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains(">Weiter zur Anwendung</button>"));
}
