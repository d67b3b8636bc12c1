use super::*;
use std::sync::Mutex;
use tessera_domain::Email;

#[derive(Default)]
struct Recorder(Mutex<Vec<OutgoingMail>>);

#[async_trait]
impl Mailer for Recorder {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        self.0.lock().unwrap().push(mail);
        Ok(())
    }
}

fn mail(template: Option<MailTemplate>) -> OutgoingMail {
    OutgoingMail {
        to: Email::parse("ana@example.org").unwrap(),
        subject: "Reset your password".into(),
        text: "English text".into(),
        template,
    }
}

fn reset() -> MailTemplate {
    MailTemplate::new(
        "password_reset",
        &[
            ("email", "ana@example.org"),
            ("link", "https://id.example/r?token=abc"),
        ],
    )
}

#[actix_web::test]
async fn a_template_is_written_in_the_language_of_the_request_with_the_product_name() {
    let inner = Arc::new(Recorder::default());
    let mailer = LocalizedMailer::new(inner.clone(), "Acme ID");
    i18n::with_locale(Locale::De, mailer.send(mail(Some(reset()))))
        .await
        .unwrap();
    mailer.send(mail(Some(reset()))).await.unwrap();
    let sent = inner.0.lock().unwrap();
    let de = sent.first().unwrap();
    assert_eq!(de.subject, "Setzen Sie Ihr Passwort zurück");
    assert!(
        de.text.contains("des Acme ID-Kontos ana@example.org"),
        "{}",
        de.text
    );
    assert!(
        de.text.contains("\n\nhttps://id.example/r?token=abc\n\n"),
        "{}",
        de.text
    );
    assert!(de.text.ends_with("— Acme ID\n"));
    let en = sent.get(1).unwrap();
    assert_eq!(
        en.subject, "Reset your password",
        "English outside a request"
    );
    assert!(en.text.contains("the Acme ID account ana@example.org"));
}

#[actix_web::test]
async fn a_mail_without_a_template_goes_as_it_is() {
    let inner = Arc::new(Recorder::default());
    let mailer = LocalizedMailer::new(inner.clone(), "Acme");
    i18n::with_locale(Locale::Fr, mailer.send(mail(None)))
        .await
        .unwrap();
    assert_eq!(
        inner.0.lock().unwrap().first().unwrap().text,
        "English text"
    );
}

#[test]
fn every_kind_has_texts_in_every_language() {
    for (kind, subject, body) in KINDS {
        for locale in Locale::ALL {
            let template = MailTemplate::new(kind, &[]);
            let (s, b) = render(&template, locale, "P").unwrap();
            assert_ne!(s, subject, "{kind} {locale:?}");
            assert!(!b.starts_with(body), "{kind} {locale:?}");
        }
    }
    let fr = render(&MailTemplate::new("totp_off", &[]), Locale::Fr, "P").unwrap();
    assert_eq!(fr.0, "La connexion en deux étapes est désactivée");
}
