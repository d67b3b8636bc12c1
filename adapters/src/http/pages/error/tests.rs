use super::*;

#[test]
fn shows_title_and_message_without_links_or_forms() {
    let page = error_page("Unknown client", "The application is not registered.");
    assert!(page.contains("<h1>Unknown client</h1>"));
    assert!(page.contains("<p>The application is not registered.</p>"));
    assert!(page.contains("<title>Unknown client"));
    assert!(!page.contains("<a ") && !page.contains("<form"));
}
