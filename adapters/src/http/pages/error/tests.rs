use super::*;

#[test]
fn shows_title_and_message_without_links_or_forms() {
    let page = error_page(
        &Ui::default(),
        "Unknown client",
        "The application is not registered.",
    );
    assert!(page.contains("<h1>Unknown client</h1>"));
    assert!(page.contains("<p>The application is not registered.</p>"));
    assert!(page.contains("<title>Unknown client"));
    assert!(!page.contains("<a ") && !page.contains("<form"));
}

#[test]
fn the_error_page_takes_the_language_of_its_context() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::Fr);
    let page = error_page(&ui, ui.t("errors.fault_title"), ui.t("errors.fault"));
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("<h1>Un problème est survenu</h1>"));
}
