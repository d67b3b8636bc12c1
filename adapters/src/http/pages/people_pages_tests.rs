//! The sign-up, forgotten-password and verification pages: labelled inputs, errors tied to
//! their field, every value escaped, every text in the page's language.

use super::*;
use crate::i18n::Locale;

fn ui(locale: Locale) -> Ui {
    Ui::default().with_locale(locale)
}

#[test]
fn forgot_password_form_has_a_labelled_email_csrf_and_return_to() {
    let html = forgot_password_page(
        &ui(Locale::En),
        &ForgotPasswordView {
            csrf: "tok",
            return_to: Some("/authorize?client_id=a&state=<x>"),
            email: "",
            sent: false,
            error: None,
        },
    );
    assert!(html.contains("<form method=\"post\" action=\"/forgot-password\">"));
    assert!(html.contains("<label for=\"email\">"));
    assert!(html.contains("id=\"email\" name=\"email\" type=\"email\""));
    assert!(html.contains("name=\"csrf_token\" value=\"tok\""));
    assert!(
        html.contains("name=\"return_to\" value=\"/authorize?client_id=a&amp;state=&lt;x&gt;\"")
    );
    assert!(!html.contains("<x>"), "escaped");
    assert!(
        !html.contains("role=\"status\""),
        "no notice before a request"
    );
    assert!(!html.contains("<script"));
}

#[test]
fn forgot_password_notice_is_the_same_for_every_address() {
    let sent = |email| {
        forgot_password_page(
            &ui(Locale::En),
            &ForgotPasswordView {
                csrf: "tok",
                email,
                sent: true,
                ..ForgotPasswordView::default()
            },
        )
    };
    let html = sent("");
    assert!(html.contains("If an account exists for that address, we sent a link"));
    assert!(html.contains("role=\"status\""));
}

#[test]
fn forgot_password_error_is_announced_and_tied_to_the_field() {
    let html = forgot_password_page(
        &ui(Locale::De),
        &ForgotPasswordView {
            csrf: "tok",
            error: Some("Geben Sie Ihre E-Mail-Adresse ein."),
            ..ForgotPasswordView::default()
        },
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"email-error\""));
    assert!(html.contains("<p id=\"email-error\" class=\"alert\" role=\"alert\">"));
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("Passwort zurücksetzen"));
}

fn signup(error: Option<(SignupField, &str)>) -> String {
    signup_page(
        &ui(Locale::En),
        &SignupView {
            csrf: "tok",
            return_to: Some("/authorize?a=1"),
            email: "ada@example.com\"><script>",
            name: "Ada",
            min_length: 15,
            error,
        },
    )
}

#[test]
fn signup_form_has_labelled_email_new_password_and_optional_name() {
    let html = signup(None);
    assert!(html.contains("<form method=\"post\" action=\"/signup\">"));
    for field in ["email", "password", "name"] {
        assert!(
            html.contains(&format!("<label for=\"{field}\">")),
            "{field}"
        );
    }
    assert!(html.contains("autocomplete=\"new-password\""));
    assert!(html.contains("minlength=\"15\""));
    assert!(html.contains("aria-describedby=\"password-hint\""));
    assert!(html.contains("At least 15 characters"));
    assert!(!html.contains("<script>"), "the refilled email is escaped");
    assert!(html.contains("value=\"Ada\""));
    assert!(!html.contains("aria-invalid"));
    assert!(html.contains("href=\"/authorize?a=1\""), "back to sign-in");
}

#[test]
fn signup_error_marks_only_its_field() {
    let html = signup(Some((SignupField::Password, "too short")));
    assert!(
        html.contains("aria-describedby=\"password-hint password-error\" aria-invalid=\"true\"")
    );
    assert!(html.contains("<p id=\"password-error\" class=\"alert\" role=\"alert\">too short</p>"));
    assert_eq!(html.matches("aria-invalid").count(), 1);
}

#[test]
fn check_inbox_names_the_address_and_leads_back() {
    let html = check_inbox_page(&ui(Locale::Fr), "a<b>@example.com", Some("/authorize?x=1"));
    assert!(html.contains("a&lt;b&gt;@example.com"));
    assert!(html.contains("Consultez votre boîte de réception"));
    assert!(html.contains("href=\"/authorize?x=1\""));
}

#[test]
fn link_done_offers_continue_only_with_somewhere_to_go() {
    let with = link_done_with_continue(
        &ui(Locale::En),
        "forgot.changed_title",
        "forgot.changed",
        Some("/authorize?x=1&y=2"),
    );
    assert!(with.contains("Password changed"));
    assert!(with.contains("href=\"/authorize?x=1&amp;y=2\""));
    assert!(with.contains(">Continue</a>"));
    let without = link_done_with_continue(
        &ui(Locale::En),
        "verify.confirmed_title",
        "verify.confirmed",
        None,
    );
    assert!(!without.contains("<a "));
}

#[test]
fn unverified_notice_resends_by_post_and_continues_only_when_allowed() {
    let hidden = vec![("client_id".to_owned(), "app".to_owned())];
    let view = |required| UnverifiedView {
        client_name: "Shop",
        email: "ada@example.com",
        hidden: &hidden,
        csrf: "tok",
        required,
        resent: false,
    };
    let optional = unverified_page(&ui(Locale::En), &view(false));
    assert!(optional.contains("value=\"resend_verification\""));
    assert!(optional.contains("value=\"continue\""));
    assert_eq!(optional.matches("name=\"csrf_token\"").count(), 2);
    assert_eq!(
        optional
            .matches("<form method=\"post\" action=\"/authorize\">")
            .count(),
        2
    );
    assert!(optional.contains("Resend the verification mail"));
    let required = unverified_page(&ui(Locale::En), &view(true));
    assert!(!required.contains("value=\"continue\""));
    assert!(required.contains("<strong>Shop</strong> needs a confirmed address"));
    let resent = unverified_page(
        &ui(Locale::En),
        &UnverifiedView {
            resent: true,
            ..view(true)
        },
    );
    assert!(resent.contains("we sent a new link"));
}

#[test]
fn people_error_page_has_no_links() {
    let html = people_error_page(&ui(Locale::En), "signup.off_title", "signup.off");
    assert!(html.contains("Page not found"));
    assert!(!html.contains("<a "));
}
