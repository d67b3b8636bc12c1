use super::*;
use actix_web::test::TestRequest;

#[test]
fn colours_parse_only_as_rrggbb() {
    assert_eq!(Rgb::parse("#1D4ed8"), Some(Rgb(0x1d, 0x4e, 0xd8)));
    for bad in ["1d4ed8", "#1d4ed", "#1d4ed80", "#gggggg", "", "#"] {
        assert_eq!(Rgb::parse(bad), None, "{bad}");
    }
    assert_eq!(Rgb(0x1d, 0x4e, 0xd8).css(), "#1d4ed8");
}

#[test]
fn contrast_follows_wcag() {
    let white = Rgb(255, 255, 255);
    let black = Rgb(0, 0, 0);
    assert!((white.contrast(black) - 21.0).abs() < 1e-9);
    assert!((white.contrast(white) - 1.0).abs() < 1e-9);
}

#[test]
fn the_default_theme_keeps_the_base_stylesheet_and_its_hash() {
    let theme = Theme::default();
    assert!(theme.csp().contains(super::super::layout::style_source()));
    assert_eq!(theme.product_name(), "Tessera");
}

#[test]
fn a_brand_colour_changes_the_stylesheet_and_the_csp_hash() {
    let plain = Theme::default();
    let branded = Theme::new(Branding {
        primary_colour: Some(Rgb(0xff, 0xd7, 0x00)),
        ..Branding::default()
    });
    assert_ne!(plain.csp(), branded.csp());
    // A light accent gets dark button text.
    assert!(branded.stylesheet.contains("--on-accent:#111827"));
}

#[test]
fn the_page_carries_language_product_logo_and_support_link() {
    let theme = Arc::new(Theme::new(Branding {
        product_name: Some("Acme <ID>".into()),
        logo: Some(Logo {
            bytes: vec![1],
            content_type: "image/png",
        }),
        primary_colour: None,
        support_url: Some("https://help.example/?a=1&b=2".into()),
    }));
    let ui = Ui {
        locale: Locale::De,
        theme,
    };
    let html = ui.page("Anmelden", "<p>x</p>");
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("<title>Anmelden · Acme &lt;ID&gt;</title>"));
    assert!(html.contains("src=\"/branding/logo\" alt=\"Logo von Acme &lt;ID&gt;\""));
    assert!(html.contains("href=\"https://help.example/?a=1&amp;b=2\">Hilfe und Support</a>"));
}

#[test]
fn from_request_reads_ui_locales_then_accept_language_and_the_app_theme() {
    let req = TestRequest::default()
        .insert_header((header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9"))
        .app_data(web::Data::new(Theme::new(Branding {
            product_name: Some("Acme".into()),
            ..Branding::default()
        })))
        .to_http_request();
    let ui = Ui::from_request(&req, None);
    assert_eq!(ui.locale, Locale::Fr);
    assert_eq!(ui.theme.product_name(), "Acme");
    assert_eq!(Ui::from_request(&req, Some("de")).locale, Locale::De);
    let res = ui.respond(StatusCode::OK, ui.page("t", ""));
    assert_eq!(res.headers().get(header::CONTENT_LANGUAGE).unwrap(), "fr");
    assert_eq!(
        res.headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap(),
        ui.theme.csp()
    );
}

#[test]
fn fill_html_escapes_the_text_but_not_the_arguments() {
    let ui = Ui::default();
    let html = ui.fill_html(
        "common.title_suffix",
        &[("title", "<b>x</b>"), ("product", "P")],
    );
    assert_eq!(html, "<b>x</b> · P");
}
