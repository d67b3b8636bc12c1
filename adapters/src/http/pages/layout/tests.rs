use super::*;

#[test]
fn style_source_is_the_hash_of_the_style_block_as_rendered() {
    let page = layout("t", "");
    let start = page.find("<style>").unwrap() + "<style>".len();
    let end = page.find("</style>").unwrap();
    let digest = openssl::sha::sha256(&page.as_bytes()[start..end]);
    let expected = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    assert_eq!(style_source(), expected);
    assert!(STYLE.is_ascii());
    assert_eq!(page.matches("<style>").count(), 1);
}

#[test]
fn shell_has_viewport_and_no_external_resources() {
    let page = layout("Title", "<p>body</p>\n");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("name=\"viewport\""));
    assert!(page.contains("<title>Title \u{b7} Tessera</title>"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("style=\""));
}

#[test]
fn hidden_skips_reserved_names_and_escapes() {
    let pairs = vec![
        ("state".to_owned(), "a\"b".to_owned()),
        ("csrf_token".to_owned(), "forged".to_owned()),
        ("action".to_owned(), "consent".to_owned()),
    ];
    let html = Hidden(&pairs).to_string();
    assert_eq!(
        html,
        "<input type=\"hidden\" name=\"state\" value=\"a&quot;b\">\n"
    );
}

/// The `--name:#rrggbb` custom properties of the stylesheet: the light ones, then the dark.
fn palette(dark: bool) -> std::collections::HashMap<String, super::super::ui::Rgb> {
    let (light_part, dark_part) = STYLE
        .split_once("@media (prefers-color-scheme:dark)")
        .unwrap();
    let mut vars = std::collections::HashMap::new();
    let parts = if dark {
        vec![light_part, dark_part.split("}}").next().unwrap()]
    } else {
        vec![light_part]
    };
    for part in parts {
        for decl in part.split([';', '{', '}']) {
            if let Some((name, value)) = decl.trim().split_once(':') {
                // `#fff` is `#ffffff`.
                let value = match value.strip_prefix('#') {
                    Some(short) if short.len() == 3 => {
                        format!(
                            "#{}",
                            short.chars().flat_map(|c| [c, c]).collect::<String>()
                        )
                    }
                    _ => value.to_owned(),
                };
                if let (Some(name), Some(rgb)) = (
                    name.strip_prefix("--"),
                    super::super::ui::Rgb::parse(&value),
                ) {
                    vars.insert(name.to_owned(), rgb);
                }
            }
        }
    }
    vars
}

/// WCAG 2.1 1.4.3 (text 4.5:1) and 1.4.11 (field borders and the focus ring 3:1), in the light
/// and the dark scheme: the browser test checks the rendered pages, this the palette itself.
#[test]
fn palette_contrast_meets_wcag_aa_in_both_schemes() {
    for dark in [false, true] {
        let p = palette(dark);
        let ratio = |a: &str, b: &str| p[a].contrast(p[b]);
        for (fg, bg) in [
            ("text", "card"),
            ("text", "bg"),
            ("muted", "card"),
            ("accent", "card"),
            ("on-accent", "accent"),
            ("alert", "alert-bg"),
        ] {
            assert!(
                ratio(fg, bg) >= 4.5,
                "{fg} on {bg} (dark: {dark}): {:.2}",
                ratio(fg, bg)
            );
        }
        for (fg, bg) in [("control", "card"), ("focus", "card"), ("focus", "bg")] {
            assert!(
                ratio(fg, bg) >= 3.0,
                "{fg} on {bg} (dark: {dark}): {:.2}",
                ratio(fg, bg)
            );
        }
    }
}
