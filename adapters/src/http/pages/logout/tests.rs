use super::*;

#[test]
fn confirm_posts_to_logout_with_csrf() {
    let hidden = vec![("state".to_owned(), "s1".to_owned())];
    let page = logout_confirm_page(&hidden, "tok");
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("<form method=\"post\" action=\"/logout\">"));
    assert!(page.contains("<h1>Sign out of Tessera?</h1>"));
    assert!(page.contains("name=\"csrf_token\" value=\"tok\""));
    assert!(page.contains("name=\"state\" value=\"s1\""));
    assert!(page.contains("name=\"confirm\" value=\"yes\">Sign out</button>"));
}

#[test]
fn logged_out_has_no_form() {
    let page = logged_out_page();
    assert!(page.contains("You are signed out"));
    assert!(!page.contains("<form"));
}
