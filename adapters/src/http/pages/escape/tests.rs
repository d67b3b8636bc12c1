use super::*;

#[test]
fn escapes_the_five_characters() {
    assert_eq!(
        escape(r#"<a href="x" onclick='y'>&amp;</a>"#),
        "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;"
    );
}

#[test]
fn leaves_everything_else_alone() {
    assert_eq!(escape(""), "");
    assert_eq!(escape("plain text"), "plain text");
    assert_eq!(escape("Zoë “quoted” 🚀 = ; /"), "Zoë “quoted” 🚀 = ; /");
    assert_eq!(escape("&&"), "&amp;&amp;");
}
