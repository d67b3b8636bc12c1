use super::*;
use crate::mail::outbox::parse_eml_text;
use crate::mail::{build_message, parse_from};
use tessera_application::ports::OutgoingMail;
use tessera_domain::Email;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server: one session, records what came after DATA (dot-unstuffed).
async fn fake_smtp_server() -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        let mut data = Vec::new();
        write.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            if in_data {
                if line == ".\r\n" {
                    // The CRLF before the dot belongs to the terminator (RFC 5321 §4.1.1.4).
                    if data.ends_with(b"\r\n") {
                        data.truncate(data.len() - 2);
                    }
                    in_data = false;
                    write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                } else {
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.extend_from_slice(unstuffed.as_bytes());
                }
                continue;
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250-fake.test\r\n250 8BITMIME\r\n"
            } else if command.starts_with("MAIL FROM") || command.starts_with("RCPT TO") {
                b"250 2.1.0 ok\r\n"
            } else if command == "DATA" {
                in_data = true;
                b"354 go ahead\r\n"
            } else if command == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await.unwrap();
                break;
            } else if command == "RSET" || command == "NOOP" {
                b"250 ok\r\n"
            } else {
                b"502 5.5.1 not implemented\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
        data
    });
    (port, server)
}

#[tokio::test]
async fn delivers_to_a_plain_smtp_server() {
    let (port, server) = fake_smtp_server().await;
    let transport = SmtpTransport::new(
        "127.0.0.1",
        port,
        SmtpTls::None,
        None,
        None,
        Duration::from_secs(5),
    )
    .unwrap();
    let from = parse_from("Tessera <no-reply@example.com>").unwrap();
    let link = format!("https://id.example/verify?token={}", "x".repeat(90));
    let message = build_message(
        &from,
        &OutgoingMail {
            to: Email::parse("ana@example.org").unwrap(),
            subject: "Confirm your email address".into(),
            text: format!("Open {link}\n.\n.hidden\n"),
            template: None,
        },
    )
    .unwrap();
    transport.deliver(&message).await.unwrap();
    let data = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&data);
    assert!(
        text.contains("Subject: Confirm your email address"),
        "{text}"
    );
    let (to, subject, body) = parse_eml_text(&data).unwrap();
    assert_eq!(to, "ana@example.org");
    assert_eq!(subject, "Confirm your email address");
    assert_eq!(body, format!("Open {link}\n.\n.hidden\n"));
}

#[test]
fn refuses_half_credentials_and_hides_the_password() {
    let password = SecretString::from("hunter2");
    let err = SmtpTransport::new(
        "smtp.example.com",
        587,
        SmtpTls::StartTls,
        None,
        Some(&password),
        Duration::from_secs(5),
    )
    .unwrap_err();
    assert!(matches!(err, MailSetupError::Settings(_)));
    let ok = SmtpTransport::new(
        "smtp.example.com",
        465,
        SmtpTls::Tls,
        Some("user"),
        Some(&password),
        Duration::from_secs(5),
    )
    .unwrap();
    assert!(!format!("{ok:?}").contains("hunter2"));
}
