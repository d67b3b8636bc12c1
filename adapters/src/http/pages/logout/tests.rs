use super::*;

#[test]
fn confirm_posts_to_logout_with_csrf() {
    let hidden = vec![("state".to_owned(), "s1".to_owned())];
    let page = logout_confirm_page(&Ui::default(), &hidden, "tok");
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("<form method=\"post\" action=\"/logout\">"));
    assert!(page.contains("<h1>Sign out of Tessera?</h1>"));
    assert!(page.contains("name=\"csrf_token\" value=\"tok\""));
    assert!(page.contains("name=\"state\" value=\"s1\""));
    assert!(page.contains("name=\"confirm\" value=\"yes\">Sign out</button>"));
}

#[test]
fn logged_out_has_no_form() {
    let page = logged_out_page(&Ui::default());
    assert!(page.contains("You are signed out"));
    assert!(!page.contains("<form"));
}

#[test]
fn in_german_the_pages_are_german_and_name_the_product() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::De);
    let page = logout_confirm_page(&ui, &[], "t");
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("<h1>Von Tessera abmelden?</h1>"));
    assert!(page.contains(">Abmelden</button>"));
    assert!(logged_out_page(&ui).contains("<h1>Sie sind abgemeldet</h1>"));
}
