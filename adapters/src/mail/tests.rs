use super::*;
use tessera_domain::Email;

#[test]
fn builds_plain_utf8_message_with_id_and_date() {
    let from = parse_from("Tessera <no-reply@example.com>").unwrap();
    let mail = OutgoingMail {
        to: Email::parse("Ana@Example.org").unwrap(),
        subject: "Confirm\r\nBcc: evil@example.net".into(),
        text: "Hello".into(),
        template: None,
    };
    let message = build_message(&from, &mail).unwrap();
    let text = String::from_utf8(message.formatted()).unwrap();
    assert!(text.contains("Message-ID: <"), "{text}");
    assert!(text.contains("@example.com>"), "{text}");
    assert!(text.contains("Date: "), "{text}");
    assert!(
        text.contains("Content-Type: text/plain; charset=utf-8"),
        "{text}"
    );
    assert!(!text.contains("\r\nBcc:"), "{text}");
    assert_eq!(recipient_domain(&message), "example.org");
    assert_eq!(
        redact_recipient(&message, "550 <ana@example.org> unknown"),
        "550 <…@example.org> unknown"
    );
}

#[test]
fn bad_from_is_a_setup_error() {
    assert!(matches!(
        parse_from("not an address"),
        Err(MailSetupError::From { .. })
    ));
}
