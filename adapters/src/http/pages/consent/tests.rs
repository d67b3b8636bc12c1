use super::*;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn scopes_are_described_in_words_once_each() {
    let lines = describe_scopes(
        &Ui::default(),
        &strings(&[
            "openid",
            "profile",
            "email",
            "offline_access",
            "api:read",
            "openid",
        ]),
    );
    let described: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l.scope.as_str(), l.description.as_str()))
        .collect();
    assert_eq!(
        described,
        vec![
            ("openid", "Confirm who you are (your account identifier)"),
            ("profile", "See your name"),
            ("email", "See your email address and whether it is verified"),
            (
                "offline_access",
                "Keep access while you are not using the app"
            ),
            ("api:read", "Access \u{201c}api:read\u{201d}"),
        ]
    );
}

#[test]
fn has_the_contract_fields() {
    let hidden = vec![("client_id".to_owned(), "app".to_owned())];
    let scopes = describe_scopes(&Ui::default(), &strings(&["openid", "email"]));
    let page = consent_page(
        &Ui::default(),
        "Demo App",
        "ann@example.com",
        &scopes,
        &hidden,
        "tok",
    );
    assert_eq!(page.matches("<form method=\"post\"").count(), 1);
    assert!(page.contains("<form method=\"post\" action=\"/authorize\">"));
    assert!(page.contains("name=\"decision\" value=\"allow\">Allow</button>"));
    assert!(page.contains("name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button>"));
    assert_eq!(page.matches("name=\"decision\"").count(), 2);
    assert!(page.contains("name=\"csrf_token\" value=\"tok\""));
    assert!(page.contains("name=\"action\" value=\"consent\""));
    assert!(page.contains("name=\"client_id\" value=\"app\""));
    assert!(page.contains("<strong>Demo App</strong> wants to:"));
    assert!(page.contains("Signed in as <strong>ann@example.com</strong>"));
    assert!(page.contains("<li>Confirm who you are (your account identifier)</li>"));
    assert!(page.contains("<li>See your email address and whether it is verified</li>"));
    assert_eq!(page.matches("<li>").count(), 2);
}

#[test]
fn no_scopes_still_says_something() {
    let page = consent_page(&Ui::default(), "Demo", "a@b.c", &[], &[], "t");
    assert!(page.contains("<li>Know that you signed in</li>"));
}

#[test]
fn names_the_resources_escaped() {
    let scopes = describe_scopes(&Ui::default(), &strings(&["notes:read"]));
    let resources = vec![ResourceLine {
        name: "Notes <MCP>".into(),
        identifier: "https://notes.example/mcp".into(),
    }];
    let page = consent_page_for(
        &Ui::default(),
        "Agent",
        "ann@example.com",
        &scopes,
        &resources,
        &[],
        "tok",
    );
    assert!(
        page.contains("<strong>Notes &lt;MCP&gt;</strong>"),
        "{page}"
    );
    assert!(page.contains("https://notes.example/mcp"));
    let plain = consent_page(
        &Ui::default(),
        "Agent",
        "ann@example.com",
        &scopes,
        &[],
        "tok",
    );
    assert!(!plain.contains("class=\"resources\""));
}

#[test]
fn in_french_the_scopes_and_buttons_are_french() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::Fr);
    let scopes = describe_scopes(&ui, &strings(&["openid", "api:read"]));
    let page = consent_page(&ui, "Demo", "ann@example.com", &scopes, &[], "t");
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("<strong>Demo</strong> souhaite :"));
    assert!(page.contains("Confirmer votre identité"));
    assert!(page.contains("Accéder à « api:read »"));
    assert!(page.contains("value=\"allow\">Autoriser</button>"));
    assert!(page.contains("Connecté en tant que <strong>ann@example.com</strong>"));
}

#[test]
fn a_client_logo_is_shown_from_this_origin_with_a_text_alternative() {
    let asked = ConsentAsked {
        user_email: "a@b.c",
        scopes: &[],
        resources: &[],
        hidden: &[],
        csrf: "t",
    };
    let page = consent_page_with_logo(
        &Ui::default(),
        Some("/branding/clients/app/logo"),
        "Demo <App>",
        &asked,
    );
    assert!(page.contains(
        "<img class=\"logo\" src=\"/branding/clients/app/logo\" alt=\"Demo &lt;App&gt; logo\">"
    ));
    assert_eq!(page.matches("<h1>").count(), 1);
    let none = consent_page_with_logo(&Ui::default(), None, "Demo", &asked);
    assert!(!none.contains("/branding/clients/"));
}
