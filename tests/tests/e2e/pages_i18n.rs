//! The pages in the reader's language and with the operator's branding (issue 17), over real
//! HTTP on both backends: `ui_locales` of the authorization request chooses French and stays
//! through the login form's POST, `Accept-Language: de` gives German, the product name and the
//! support link are on the page, the logo is served, and a mail caused by a German request is
//! German.

use crate::support::browser::Browser;
use crate::support::{test_config, TestApp};
use serde_json::json;
use tessera_adapters::http::pages::{Branding, Logo, Rgb};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "lea@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";

async fn branded(db: TestDatabase) -> (TestApp, String) {
    let mut config = test_config(db.url());
    // What `branding.*` parses into (the keys' own checks are unit-tested in the config).
    config.branding.branding = Branding {
        product_name: Some("Acme ID".into()),
        logo: Some(Logo {
            bytes: PNG.to_vec(),
            content_type: "image/png",
        }),
        primary_colour: Rgb::parse("#0f766e"),
        support_url: Some("https://help.acme.example/".into()),
    };
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let client = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid email".into(),
            ..NewClient::default()
        })
        .await;
    (app, client.id)
}

fn authorize_url(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string(params).unwrap()
    )
}

async fn ui_locales_choose_french_and_survive_the_post(db: TestDatabase) {
    let (app, client) = branded(db).await;
    let mut browser = Browser::new();
    let page = browser
        .get(&authorize_url(&app, &client, &[("ui_locales", "fr-CA en")]))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.headers.get("content-language").unwrap(), "fr");
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    assert!(page.body.contains("<h1>Connexion</h1>"));
    assert!(page
        .body
        .contains("Connectez-vous pour continuer vers <strong>Notes</strong>"));
    // Branding: the logo (with the product name as its text) and the support link.
    assert!(page
        .body
        .contains("src=\"/branding/logo\" alt=\"Logo de Acme ID\""));
    assert!(page.body.contains("<title>Connexion · Acme ID</title>"));
    assert!(page
        .body
        .contains("<a href=\"https://help.acme.example/\">Aide et assistance</a>"));
    assert!(!page.body.contains("Tessera"));
    // A wrong password: the answer is still French (ui_locales rode along as a hidden field).
    let mut form = page.form();
    assert_eq!(form.get("ui_locales"), Some("fr-CA en"));
    form.set("email", EMAIL).set("password", "wrong password");
    let again = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("<html lang=\"fr\">"));
    assert!(again
        .body
        .contains("L’adresse e-mail ou le mot de passe est incorrect."));
    // The logo is served by Tessera itself.
    let logo = app
        .http
        .get(app.url("/branding/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers().get("content-type").unwrap(), "image/png");
    assert_eq!(
        logo.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(&logo.bytes().await.unwrap()[..], PNG);
    app.stop().await;
}
both_backends!(
    ui_locales_french,
    ui_locales_choose_french_and_survive_the_post
);

async fn accept_language_gives_german_pages_and_mails(db: TestDatabase) {
    let (app, client) = branded(db).await;
    let page = app
        .http
        .get(authorize_url(&app, &client, &[]))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers().get("content-language").unwrap(), "de");
    let body = page.text().await.unwrap();
    assert!(body.contains("<html lang=\"de\">"), "{body}");
    assert!(body.contains("<h1>Anmelden</h1>"));
    assert!(body.contains("<label for=\"password\">Passwort</label>"));
    assert!(body.contains(">Hilfe und Support</a>"));
    // Without a preference the page stays English.
    let english = app
        .http
        .get(authorize_url(&app, &client, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("<h1>Sign in</h1>"));
    // A mail caused by a German request is German, and carries the product name.
    let r = app
        .http
        .post(app.url("/users/password-reset"))
        .header("accept-language", "de")
        .json(&json!({"email": EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let mail = app.mail_to(EMAIL, 1).await.remove(0);
    assert_eq!(mail.subject, "Setzen Sie Ihr Passwort zurück");
    assert!(mail.body.contains("Acme ID"), "{}", mail.body);
    assert!(!mail.link_token("/users/password-reset/confirm").is_empty());
    app.stop().await;
}
both_backends!(
    accept_language_german,
    accept_language_gives_german_pages_and_mails
);
