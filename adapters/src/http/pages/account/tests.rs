use super::*;

fn view<'a>(
    passkeys: Option<&'a [PasskeyLine]>,
    sessions: &'a [SessionLine],
    apps: &'a [AppLine],
) -> AccountView<'a> {
    AccountView {
        email: "ada@example.com",
        email_verified: false,
        name: Some("<Ada>"),
        notice: Some("Saved."),
        error: None,
        fresh: true,
        totp: false,
        recovery_codes_left: 0,
        passkeys,
        sessions,
        apps,
    }
}

#[test]
fn escapes_values_and_has_the_contract_ids_without_style_attributes() {
    let keys = [PasskeyLine {
        id: "k\"1".into(),
        name: "<script>".into(),
        added: "2026-01-01".into(),
        last_used: None,
    }];
    let sessions = [
        SessionLine {
            id: "a".into(),
            signed_in: "now".into(),
            how: "password".into(),
            current: true,
        },
        SessionLine {
            id: "b&".into(),
            signed_in: "then".into(),
            how: "password".into(),
            current: false,
        },
    ];
    let apps = [AppLine {
        client_id: "notes".into(),
        name: "Notes <App>".into(),
        scopes: vec!["See your email address".into()],
        granted: "today".into(),
    }];
    let html = account_page(&Ui::default(), "tok", view(Some(&keys), &sessions, &apps));
    assert!(html.contains("&lt;Ada&gt;"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("Notes &lt;App&gt;"));
    assert!(!html.contains("<Ada>") && !html.contains("Notes <App>"));
    assert!(html.contains("id=\"add-passkey\""));
    assert!(html.contains("name=\"passkey_name\" type=\"text\" maxlength=\"64\" value=\"Passkey\""));
    assert!(html.contains("value=\"passkey_options\""));
    assert!(html.contains("This browser"));
    assert!(html.contains("Sign out all other sessions"));
    assert!(html.contains("value=\"b&amp;\""));
    assert!(html.contains("not verified yet"));
    assert!(!html.contains("style="));
    assert_eq!(
        html.matches("name=\"csrf_token\" value=\"tok\"").count(),
        html.matches("<form ").count()
    );
}

#[test]
fn without_passkeys_says_why_and_has_no_script() {
    let html = account_page(&Ui::default(), "tok", view(None, &[], &[]));
    assert!(!html.contains("add-passkey"));
    assert!(!html.contains("<script"));
    assert!(html.contains("IP address"));
    assert!(html.contains("No app has access"));
    assert!(!html.contains("sign in again first"));
}

#[test]
fn an_old_sign_in_is_told_it_will_sign_in_again() {
    let mut v = view(Some(&[]), &[], &[]);
    v.fresh = false;
    let html = account_page(&Ui::default(), "tok", v);
    assert_eq!(html.matches("sign in again first").count(), 2);
    assert!(html.contains("id=\"add-passkey\""));
}

#[test]
fn totp_on_offers_new_codes_and_turning_off_with_a_code() {
    let mut v = view(None, &[], &[]);
    v.totp = true;
    v.recovery_codes_left = 7;
    let html = account_page(&Ui::default(), "tok", v);
    assert!(html.contains("<strong>7</strong>"));
    assert_eq!(html.matches("name=\"otp\"").count(), 2);
    assert!(html.contains("value=\"totp_off\"") && html.contains("value=\"recovery_codes\""));
}

#[test]
fn enrolment_and_codes_pages_escape() {
    let html = totp_enrolment_page(&Ui::default(), "tok", "<svg></svg>", "ABC<", Some("Wrong"));
    assert!(html.contains("<svg></svg>") && html.contains("ABC&lt;"));
    assert!(html.contains("name=\"code\""));
    let html = recovery_codes_page(&Ui::default(), &["aaaa-bbbb", "<x>"]);
    assert!(html.contains("&lt;x&gt;") && html.contains("aaaa-bbbb"));
}

#[test]
fn in_french_the_account_page_is_french() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::Fr);
    let view = AccountView {
        email: "ann@example.com",
        email_verified: false,
        name: None,
        notice: None,
        error: None,
        fresh: true,
        totp: false,
        recovery_codes_left: 0,
        passkeys: Some(&[]),
        sessions: &[],
        apps: &[],
    };
    let page = account_page(&ui, "c", view);
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("<h1>Votre compte</h1>"));
    assert!(page.contains("pas encore vérifiée"));
    assert!(page.contains(">Configurer une application d’authentification</button>"));
    assert!(page.contains("data-message=\"La clé d’accès n’a pas fonctionné."));
    assert!(!page.contains("Your account"));
}
