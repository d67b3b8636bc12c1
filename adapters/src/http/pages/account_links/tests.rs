use super::*;

#[test]
fn verify_page_posts_the_token_with_csrf_and_acts_on_nothing_by_itself() {
    let page = verify_email_page("/users/verify-email", "t0k", "c1");
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("action=\"/users/verify-email\""));
    assert!(page.contains("name=\"token\" value=\"t0k\""));
    assert!(page.contains("name=\"csrf_token\" value=\"c1\""));
}

#[test]
fn reset_page_asks_for_a_new_password_and_shows_the_error() {
    let page = reset_password_page(
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
        verify_email_page(evil, evil, evil),
        reset_password_page(evil, evil, evil, 15, Some(evil)),
        link_done_page(evil, evil),
    ] {
        assert!(!page.contains("<script>"), "{page}");
    }
}
