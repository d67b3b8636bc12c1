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
