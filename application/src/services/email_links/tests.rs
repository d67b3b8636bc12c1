use super::*;
use crate::ports::{
    MockEmailTokenRepository, MockMailer, MockPasswordHasher, MockRefreshTokenRepository,
    MockRevocationRepository, MockSessionRepository, MockUserRepository,
};
use crate::services::test_support::{self as ts, Recorder, ISS, USER_ID};
use mockall::Sequence;
use tessera_domain::UnixTime;

pub(crate) const NOW: i64 = 80_000;
const NEW_PASSWORD: &str = "a long and quite unusual passphrase";

/// The sign-out service over mocks that expect to be used `times` times.
pub(crate) fn sign_out(times: usize) -> Arc<SignOutEverywhere> {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_for_user()
        .times(times)
        .returning(|_| Ok(1));
    let mut refresh = MockRefreshTokenRepository::new();
    refresh
        .expect_revoke_for_user()
        .times(times)
        .returning(|_| Ok(vec!["fam".into()]));
    // The refresh family's grant, and one of a code that issued no refresh token: both
    // are denylisted.
    let codes = crate::services::sign_out_everywhere::tests::codes_ending(&["fam", "code"], times);
    let mut revocations = MockRevocationRepository::new();
    revocations
        .expect_revoke()
        .times(times * 2)
        .returning(|_, _| Ok(()));
    Arc::new(SignOutEverywhere::new(
        Arc::new(sessions),
        Arc::new(codes),
        Arc::new(refresh),
        Arc::new(revocations),
        ts::clock_at(NOW),
        930,
    ))
}

fn hasher() -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_hash()
        .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
    hasher
}

pub(crate) fn links(
    users: MockUserRepository,
    tokens: MockEmailTokenRepository,
    mailer: MockMailer,
    hasher: MockPasswordHasher,
    sign_out: Arc<SignOutEverywhere>,
) -> EmailLinks {
    EmailLinks::new(
        EmailLinksDeps {
            users: Arc::new(users),
            tokens: Arc::new(tokens),
            mailer: Arc::new(mailer),
            hasher: Arc::new(hasher),
            sign_out,
            clock: ts::clock_at(NOW),
            rng: ts::counting_rng(),
        },
        PasswordPolicy::default(),
        targets(),
    )
}

fn stored(purpose: EmailTokenPurpose, token: &str, created: i64) -> EmailToken {
    EmailToken::new(
        TokenDigest::of(token),
        UserId::parse(USER_ID).unwrap(),
        purpose,
        ts::user().email,
        UnixTime::from_secs(created),
    )
}

pub(crate) fn ctx() -> RequestContext {
    RequestContext::internal(UnixTime::from_secs(NOW))
}

/// Test paths: the real ones belong to the HTTP adapter.
pub(crate) const VERIFY_EMAIL_PATH: &str = "/test/verify";
pub(crate) const RESET_PASSWORD_PATH: &str = "/test/reset";
pub(crate) const PASSWORD_RESET_REQUEST_PATH: &str = "/test/forgot";

/// Link targets under [`ISS`] at the test paths.
pub(crate) fn targets() -> LinkTargets {
    LinkTargets {
        verify_email: format!("{ISS}{VERIFY_EMAIL_PATH}"),
        reset_password: format!("{ISS}{RESET_PASSWORD_PATH}"),
        password_reset_request: format!("{ISS}{PASSWORD_RESET_REQUEST_PATH}"),
    }
}

/// The token in the one link of `mail`.
pub(crate) fn link_token(mail: &OutgoingMail, path: &str) -> String {
    let prefix = format!("{ISS}{path}?token=");
    let start = mail.text.find(&prefix).expect("a link") + prefix.len();
    mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Token inserts recorded, then mail sent: the order is enforced by `seq`.
pub(crate) fn tokens_then_mail(
    seq: &mut Sequence,
    inserted: &Recorder<EmailToken>,
    mailed: &Recorder<OutgoingMail>,
) -> (MockEmailTokenRepository, MockMailer) {
    let mut tokens = MockEmailTokenRepository::new();
    let i = inserted.clone();
    tokens
        .expect_insert()
        .times(1)
        .in_sequence(seq)
        .returning(move |t| {
            i.push(t.clone());
            Ok(())
        });
    let mut mailer = MockMailer::new();
    let m = mailed.clone();
    mailer
        .expect_send()
        .times(1)
        .in_sequence(seq)
        .returning(move |mail| {
            m.push(mail);
            Ok(())
        });
    (tokens, mailer)
}

#[tokio::test]
async fn verification_mail_goes_out_after_the_token_is_stored() {
    let (inserted, mailed) = (Recorder::default(), Recorder::default());
    let mut seq = Sequence::new();
    let (tokens, mailer) = tokens_then_mail(&mut seq, &inserted, &mailed);
    let links = links(
        MockUserRepository::new(),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links.send_verification(&ts::user()).await.unwrap();
    let mail = mailed.only();
    assert_eq!(mail.to, ts::user().email);
    let token = link_token(&mail, VERIFY_EMAIL_PATH);
    assert!(token.len() >= 43, "256 bits, base64url");
    let row = inserted.only();
    assert_eq!(row.digest, TokenDigest::of(&token), "stored only as digest");
    assert_eq!(row.purpose, EmailTokenPurpose::VerifyEmail);
    assert_eq!(row.expires_at, UnixTime::from_secs(NOW + 86_400));
    assert!(!mail.text.contains(&format!("{ISS}//")), "one slash");
}

#[tokio::test]
async fn a_failed_handover_to_the_mailer_does_not_fail_the_request() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens.expect_insert().returning(|_| Ok(()));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .returning(|_| Err(crate::ports::MailError::Unavailable("full".into())));
    let links = links(
        MockUserRepository::new(),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links.send_verification(&ts::user()).await.unwrap();
}

#[tokio::test]
async fn a_token_that_cannot_be_stored_sends_no_mail() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let mut mailer = MockMailer::new();
    mailer.expect_send().never();
    let links = links(
        MockUserRepository::new(),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    assert!(links.send_verification(&ts::user()).await.is_err());
}

#[tokio::test]
async fn verifying_uses_the_token_up_and_marks_the_address_it_was_sent_to() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_consume()
        .withf(|d, p, now| {
            *d == TokenDigest::of("tok")
                && *p == EmailTokenPurpose::VerifyEmail
                && *now == UnixTime::from_secs(NOW)
        })
        .times(1)
        .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 10))));
    tokens.expect_consume().returning(|_, _, _| Ok(None));
    let mut users = MockUserRepository::new();
    users
        .expect_mark_email_verified()
        .withf(|id, email| id.as_str() == USER_ID && *email == ts::user().email)
        .times(1)
        .returning(|_, _| Ok(true));
    let links = links(
        users,
        tokens,
        MockMailer::new(),
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links.verify_email(&ctx(), "tok").await.unwrap();
    assert!(matches!(
        links.verify_email(&ctx(), "tok").await,
        Err(EmailLinkError::InvalidLink)
    ));
}

#[tokio::test]
async fn a_verification_link_for_a_changed_address_fails() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_consume()
        .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 10))));
    let mut users = MockUserRepository::new();
    users
        .expect_mark_email_verified()
        .returning(|_, _| Ok(false));
    let links = links(
        users,
        tokens,
        MockMailer::new(),
        MockPasswordHasher::new(),
        sign_out(0),
    );
    assert!(matches!(
        links.verify_email(&ctx(), "tok").await,
        Err(EmailLinkError::InvalidLink)
    ));
}

fn users_with(user: Option<User>) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    let u = user.clone();
    users
        .expect_find_by_email()
        .returning(move |_| Ok(u.clone()));
    users.expect_find().returning(move |_| Ok(user.clone()));
    users
}

/// ASVS 6.3.8: unknown, malformed and disabled accounts get the same `Ok` and no mail.
#[tokio::test]
async fn reset_requests_answer_alike_and_mail_only_real_accounts() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    for (email, user) in [
        ("nobody@example.com", None),
        ("not an email", None),
        ("alice@example.com", Some(disabled)),
    ] {
        let mut mailer = MockMailer::new();
        mailer.expect_send().never();
        let mut tokens = MockEmailTokenRepository::new();
        tokens.expect_insert().never();
        let links = links(
            users_with(user),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links.request_password_reset(email).await.unwrap();
    }
}

#[tokio::test]
async fn a_reset_request_keeps_older_links_and_mails_a_fifteen_minute_one() {
    let (inserted, mailed) = (Recorder::default(), Recorder::default());
    let mut seq = Sequence::new();
    let mut tokens = MockEmailTokenRepository::new();
    // A link already mailed stays usable: asking again must not cut the owner's way in.
    tokens.expect_delete_for_user().never();
    let i = inserted.clone();
    tokens
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |t| {
            i.push(t.clone());
            Ok(())
        });
    let mut mailer = MockMailer::new();
    let m = mailed.clone();
    mailer
        .expect_send()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |mail| {
            m.push(mail);
            Ok(())
        });
    let links = links(
        users_with(Some(ts::user())),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links
        .request_password_reset("Alice@Example.com")
        .await
        .unwrap();
    let row = inserted.only();
    assert_eq!(row.purpose, EmailTokenPurpose::ResetPassword);
    assert_eq!(row.expires_at, UnixTime::from_secs(NOW + 900));
    let token = link_token(&mailed.only(), RESET_PASSWORD_PATH);
    assert_eq!(row.digest, TokenDigest::of(&token));
}

/// Allows `n` mails in all.
struct Allow(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl MailBudget for Allow {
    async fn try_take(&self, _user: &UserId, _kind: &str) -> bool {
        self.0
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            )
            .is_ok()
    }
}

#[tokio::test]
async fn asvs_6_3_8_reset_mails_per_account_stop_at_the_budget_with_the_same_answer() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens.expect_insert().times(2).returning(|_| Ok(()));
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(2).returning(|_| Ok(()));
    let links = links(
        users_with(Some(ts::user())),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    )
    .with_mail_budget(Arc::new(Allow(2.into())));
    for _ in 0..5 {
        links
            .request_password_reset("alice@example.com")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn asvs_6_3_8_registration_notices_per_account_stop_at_the_budget() {
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(1).returning(|_| Ok(()));
    let links = links(
        users_with(Some(ts::user())),
        MockEmailTokenRepository::new(),
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    )
    .with_mail_budget(Arc::new(Allow(1.into())));
    let email = Email::parse("alice@example.com").unwrap();
    for _ in 0..4 {
        links.send_registration_notice(&email).await.unwrap();
    }
}

/// A reset store holding one live token "tok" for Alice, consumed at most once.
fn reset_tokens(created: i64) -> MockEmailTokenRepository {
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_find()
        .withf(|d, p, _| *d == TokenDigest::of("tok") && *p == EmailTokenPurpose::ResetPassword)
        .returning(move |_, p, _| Ok(Some(stored(p, "tok", created))));
    tokens.expect_find().returning(|_, _, _| Ok(None));
    tokens
        .expect_consume()
        .times(1)
        .returning(move |_, p, _| Ok(Some(stored(p, "tok", created))));
    tokens.expect_delete_for_user().returning(|_, _| Ok(0));
    tokens
}

#[tokio::test]
async fn confirming_a_reset_sets_the_password_and_signs_out_everywhere() {
    let hashes: Recorder<String> = Recorder::default();
    let mut users = users_with(Some(ts::user()));
    let h = hashes.clone();
    users
        .expect_update_password_hash()
        .times(1)
        .returning(move |_, phc| {
            h.push(phc.to_owned());
            Ok(())
        });
    users
        .expect_reset_login_failures()
        .times(1)
        .returning(|_| Ok(()));
    users
        .expect_mark_email_verified()
        .times(1)
        .returning(|_, _| Ok(true));
    let links = links(
        users,
        reset_tokens(NOW - 60),
        MockMailer::new(),
        hasher(),
        sign_out(1),
    );
    assert!(links.reset_link_is_valid("tok").await.unwrap());
    assert!(!links.reset_link_is_valid("other").await.unwrap());
    links
        .confirm_password_reset(&ctx(), "tok", NEW_PASSWORD.to_owned().into())
        .await
        .unwrap();
    assert_eq!(hashes.only(), "$argon2id$v=19$new");
}

#[tokio::test]
async fn a_refused_password_keeps_the_link_usable() {
    let mut tokens = MockEmailTokenRepository::new();
    tokens
        .expect_find()
        .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 60))));
    tokens.expect_consume().never();
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_hash().never();
    let links = links(
        users_with(Some(ts::user())),
        tokens,
        MockMailer::new(),
        hasher,
        sign_out(0),
    );
    for weak in ["short", "password123456789", "alice-alice-alice-alice"] {
        let r = links
            .confirm_password_reset(&ctx(), "tok", weak.to_owned().into())
            .await;
        assert!(
            matches!(r, Err(EmailLinkError::Password(_))),
            "{weak}: {r:?}"
        );
    }
}

/// the link is used up atomically; a lost race or a second use sets nothing.
#[tokio::test]
async fn a_used_or_expired_link_changes_nothing() {
    // Already used: found by a racing request, but the consume comes back empty.
    let mut raced = MockEmailTokenRepository::new();
    raced
        .expect_find()
        .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 60))));
    raced.expect_consume().returning(|_, _, _| Ok(None));
    // Expired: a store that still returns it (the service checks too).
    let mut expired = MockEmailTokenRepository::new();
    expired
        .expect_find()
        .returning(|_, p, _| Ok(Some(stored(p, "tok", NOW - 900))));
    expired.expect_consume().never();
    for (tokens, hashes) in [(raced, 1), (expired, 0)] {
        let mut users = users_with(Some(ts::user()));
        users.expect_update_password_hash().never();
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_hash()
            .times(hashes)
            .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
        let links = links(users, tokens, MockMailer::new(), hasher, sign_out(0));
        assert!(matches!(
            links
                .confirm_password_reset(&ctx(), "tok", NEW_PASSWORD.to_owned().into())
                .await,
            Err(EmailLinkError::InvalidLink)
        ));
    }
}

#[tokio::test]
async fn resend_mails_only_unverified_accounts() {
    let mut unverified = ts::user();
    unverified.email_verified = false;
    for (user, mails) in [(Some(ts::user()), 0), (Some(unverified), 1), (None, 0)] {
        let mut tokens = MockEmailTokenRepository::new();
        tokens.expect_insert().times(mails).returning(|_| Ok(()));
        let mut mailer = MockMailer::new();
        mailer.expect_send().times(mails).returning(|_| Ok(()));
        let links = links(
            users_with(user),
            tokens,
            mailer,
            MockPasswordHasher::new(),
            sign_out(0),
        );
        links
            .resend_verification("alice@example.com")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn links_from_a_sign_in_carry_return_to_encoded_before_the_token() {
    let (inserted, mailed) = (Recorder::default(), Recorder::default());
    let mut seq = Sequence::new();
    let (tokens, mailer) = tokens_then_mail(&mut seq, &inserted, &mailed);
    let links = links(
        users_with(Some(ts::user())),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links
        .request_password_reset_returning("alice@example.com", Some("/authorize?a=1&b=x y"))
        .await
        .unwrap();
    let mail = mailed.only();
    let prefix =
        format!("{ISS}{RESET_PASSWORD_PATH}?return_to=%2Fauthorize%3Fa%3D1%26b%3Dx%20y&token=");
    let start = mail.text.find(&prefix).expect("the link with return_to") + prefix.len();
    let token = mail.text[start..].split_whitespace().next().unwrap();
    assert_eq!(inserted.only().digest, TokenDigest::of(token));

    let (inserted, mailed) = (Recorder::default(), Recorder::default());
    let mut seq = Sequence::new();
    let (tokens, mailer) = tokens_then_mail(&mut seq, &inserted, &mailed);
    let links = self::links(
        MockUserRepository::new(),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    links
        .send_verification_returning(&ts::user(), Some("/device"))
        .await
        .unwrap();
    assert!(mailed.only().text.contains(&format!(
        "{ISS}{VERIFY_EMAIL_PATH}?return_to=%2Fdevice&token="
    )));
    assert_eq!(inserted.all().len(), 1);
}
