use super::*;
use crate::http::pages::Ui;

#[test]
fn the_script_is_allowed_by_its_own_hash_and_has_no_markup_breakers() {
    assert!(WEBAUTHN_SCRIPT_SOURCE.starts_with("'sha256-"));
    assert!(!WEBAUTHN_SCRIPT.contains("</"));
    assert!(WEBAUTHN_SCRIPT.is_ascii());
    assert!(script_tag().contains(WEBAUTHN_SCRIPT));
}

#[test]
fn passkey_inputs_escape_the_handle() {
    let html = passkey_inputs(&Ui::default(), "a\"><script>");
    assert!(
        html.contains("value=\"a&quot;&gt;&lt;script&gt;\""),
        "{html}"
    );
}
