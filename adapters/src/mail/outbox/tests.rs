use super::*;
use crate::mail::test_support::TempDir;
use crate::mail::{build_message, parse_from};
use tessera_application::ports::OutgoingMail;
use tessera_domain::Email;

fn mail(subject: &str, text: &str) -> Message {
    let from = parse_from("Tessera <no-reply@example.com>").unwrap();
    build_message(
        &from,
        &OutgoingMail {
            to: Email::parse("ana@example.org").unwrap(),
            subject: subject.into(),
            text: text.into(),
            template: None,
        },
    )
    .unwrap()
}

fn round_trip(subject: &str, text: &str, encoding: &str) -> (String, String, String) {
    let dir = TempDir::new("outbox");
    let outbox = FileOutbox::new(dir.path().join("out")).unwrap();
    let path = outbox.write(&mail(subject, text).formatted()).unwrap();
    let files = list_eml(outbox.dir()).unwrap();
    assert_eq!(files, vec![path.clone()]);
    let raw = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
    assert!(
        raw.contains("From: Tessera <no-reply@example.com>"),
        "{raw}"
    );
    let cte = format!("Content-Transfer-Encoding: {encoding}\r\n");
    assert!(raw.contains(&cte), "{raw}");
    read_eml_text(&path).unwrap()
}

#[tokio::test]
async fn writes_a_parseable_eml_through_the_transport() {
    let dir = TempDir::new("outbox_transport");
    let outbox = FileOutbox::new(dir.path().join("a/b")).unwrap();
    outbox
        .deliver(&mail(
            "Confirm your email",
            "Open https://id.example/x?t=abc\n",
        ))
        .await
        .unwrap();
    let files = list_eml(outbox.dir()).unwrap();
    assert_eq!(files.len(), 1);
    let (to, subject, body) = read_eml_text(&files[0]).unwrap();
    assert_eq!(to, "ana@example.org");
    assert_eq!(subject, "Confirm your email");
    assert_eq!(body, "Open https://id.example/x?t=abc\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(outbox.dir()), 0o700);
        assert_eq!(mode(&files[0]), 0o600);
    }
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(outbox.dir()).unwrap().count(), 1);
}

#[test]
fn decodes_whatever_encoding_lettre_chose() {
    // Plain short ASCII: 7bit.
    let (_, _, body) = round_trip("Hi", "short line\n", "7bit");
    assert_eq!(body, "short line\n");
    // A long link: quoted-printable with soft line breaks.
    let link = format!(
        "https://id.example/verify?token={}",
        "A1b2=C3d4_".repeat(20)
    );
    let text = format!("Follow this link:\n{link}\nThanks\n");
    let (_, _, body) = round_trip("Link", &text, "quoted-printable");
    assert_eq!(body, text);
    // Mostly non-ASCII: base64; UTF-8 subject: encoded words.
    let text = "Ĉu vi petis ŝanĝi vian pasvorton? Ŝŝŝ ĉĉĉ ĝĝĝ ĥĥĥ ĵĵĵ ŭŭŭ\n";
    let subject = ["Ŝanĝu la pasvorton — ĉi tie"; 4].join(", ");
    let (to, got_subject, body) = round_trip(&subject, text, "base64");
    assert_eq!(to, "ana@example.org");
    assert_eq!(got_subject, subject);
    assert_eq!(body, text);
}

#[test]
fn names_sort_by_time_and_never_collide() {
    let dir = TempDir::new("outbox_names");
    let outbox = FileOutbox::new(dir.path()).unwrap();
    let paths: Vec<PathBuf> = (0..20)
        .map(|_| outbox.write(b"x: y\r\n\r\nz").unwrap())
        .collect();
    let mut unique = paths.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20);
    assert_eq!(list_eml(outbox.dir()).unwrap().len(), 20);
}

#[test]
fn quoted_printable_and_encoded_words() {
    assert_eq!(
        decode_quoted_printable(b"a=3Db=\r\nc=C3=A9"),
        "a=bcé".as_bytes()
    );
    assert_eq!(
        decode_encoded_words("=?utf-8?b?w6k=?= =?utf-8?q?_x=C3=A9?= plain =?x?q?y?="),
        "é xé plain y"
    );
    assert_eq!(decode_encoded_words("Hello  world"), "Hello  world");
}
