use super::*;

fn params() -> Vec<(String, String)> {
    vec![
        ("client_id".to_owned(), "app".to_owned()),
        ("state".to_owned(), "xyz".to_owned()),
    ]
}

#[test]
fn has_the_contract_fields() {
    let page = login_page(&Ui::default(), "Demo App", &params(), "tok123", "", None);
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
        &Ui::default(),
        "Demo",
        &[],
        "t",
        "ann@example.com",
        Some("Wrong email or password."),
    );
    let alert = page
        .find(
            "<div class=\"alert\" role=\"alert\" id=\"login-error\">Wrong email or password.</div>",
        )
        .unwrap();
    assert!(alert < page.find("<form").unwrap());
    assert!(page.contains(
        "value=\"ann@example.com\" aria-invalid=\"true\" aria-describedby=\"login-error\">"
    ));
    assert!(page.contains(
        "current-password\" required autofocus aria-invalid=\"true\" aria-describedby=\"login-error\">"
    ));
    assert!(!page.contains("name=\"password\" type=\"password\" value"));
}

fn ui(locale: crate::i18n::Locale) -> Ui {
    Ui::default().with_locale(locale)
}

#[test]
fn in_german_every_text_is_german_and_the_page_says_so() {
    let page = login_page(&ui(crate::i18n::Locale::De), "Demo", &[], "t", "", None);
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("<h1>Anmelden</h1>"));
    assert!(page.contains("Melden Sie sich an, um mit <strong>Demo</strong> fortzufahren"));
    assert!(page.contains("<label for=\"email\">E-Mail-Adresse</label>"));
    assert!(page.contains("<label for=\"password\">Passwort</label>"));
    assert!(!page.contains("Sign in"));
}

#[test]
fn the_link_slots_come_from_the_catalogue() {
    let upstreams = [UpstreamButton {
        name: "Acme <SSO>",
        url: "/upstream/acme?x=1&y=2",
    }];
    let options = LoginOptions {
        action_url: "/authorize",
        upstreams: &upstreams,
        forgot_password_url: Some("/forgot-password?a=1"),
        signup_url: Some("/signup"),
        ..LoginOptions::default()
    };
    let en = login_page_with(&Ui::default(), "Demo", &[], "t", ("", None), options);
    assert!(en.contains(">Sign in with Acme &lt;SSO&gt;</a>"));
    assert!(en.contains("href=\"/upstream/acme?x=1&amp;y=2\""));
    assert!(en.contains(">Forgot your password?</a>"));
    assert!(en.contains(">Create an account</a>"));
    let fr = login_page_with(
        &ui(crate::i18n::Locale::Fr),
        "Demo",
        &[],
        "t",
        ("", None),
        options,
    );
    assert!(fr.contains(">Se connecter avec Acme &lt;SSO&gt;</a>"));
    assert!(fr.contains(">Mot de passe oublié ?</a>"));
    assert!(fr.contains(">Créer un compte</a>"));
}

#[test]
fn an_error_is_announced_and_linked_to_the_fields() {
    let page = login_page(&Ui::default(), "Demo", &[], "t", "a@b.c", Some("Nope."));
    assert!(page.contains("role=\"alert\" id=\"login-error\">Nope.</div>"));
    assert_eq!(page.matches("aria-describedby=\"login-error\"").count(), 2);
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 2);
    let clean = login_page(&Ui::default(), "Demo", &[], "t", "", None);
    assert!(!clean.contains("aria-invalid"));
}
