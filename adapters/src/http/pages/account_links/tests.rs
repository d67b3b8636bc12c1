use super::*;

#[test]
fn verify_page_posts_the_token_with_csrf_and_acts_on_nothing_by_itself() {
    let page = verify_email_page(&Ui::default(), "/users/verify-email", "t0k", "c1");
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("action=\"/users/verify-email\""));
    assert!(page.contains("name=\"token\" value=\"t0k\""));
    assert!(page.contains("name=\"csrf_token\" value=\"c1\""));
}

#[test]
fn reset_page_asks_for_a_new_password_and_shows_the_error() {
    let page = reset_password_page(
        &Ui::default(),
        "/users/password-reset/confirm",
        "t0k",
        "c1",
        15,
        Some("too <short>"),
    );
    assert!(page.contains("name=\"password\" type=\"password\""));
    assert!(page.contains("autocomplete=\"new-password\" minlength=\"15\""));
    assert!(page.contains("name=\"token\" value=\"t0k\""));
    assert!(page.contains("too &lt;short&gt;"));
}

#[test]
fn values_are_escaped() {
    let evil = "\"><script>x</script>";
    for page in [
        verify_email_page(&Ui::default(), evil, evil, evil),
        reset_password_page(&Ui::default(), evil, evil, evil, 15, Some(evil)),
        link_done_page(&Ui::default(), evil, evil),
    ] {
        assert!(!page.contains("<script>"), "{page}");
    }
}

#[test]
fn in_german_the_link_pages_are_german_and_errors_are_linked() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::De);
    let verify = verify_email_page(&ui, "/users/verify-email", "tok", "c");
    assert!(verify.contains("<h1>E-Mail-Adresse bestätigen</h1>"));
    let reset = reset_password_page(&ui, "/r", "tok", "c", 12, Some("Zu kurz."));
    assert!(reset.contains("Verwenden Sie mindestens 12 Zeichen."));
    assert!(
        reset.contains("aria-invalid=\"true\" aria-describedby=\"password-error password-hint\"")
    );
    assert!(reset.contains("id=\"password-error\">Zu kurz.</div>"));
}
