use super::*;
use crate::errors::VerifyError;
use crate::ports::{
    MockClientRepository, MockEmailTokenRepository, MockMailer, MockPasswordHasher,
    MockRefreshTokenRepository, MockRevocationRepository, MockSessionRepository,
    MockUserRepository, PasswordCheck, VerifiedJws,
};
use crate::services::access_tokens::tests::engine_returning;
use crate::services::test_support::{self as ts, Recorder, ISS, USER_ID};
use crate::services::AccountsDeps;
use crate::IssuerSettings;
use secrecy::ExposeSecret;
use serde_json::json;
use tessera_domain::{LockoutPolicy, PasswordPolicy, SigningAlgorithm};

const NOW: i64 = 50_000;
const PASSWORD: &str = "correct horse battery staple";

/// Accounts whose user repository is `users` and whose hasher answers `matches` for
/// every check; no session may be stored.
fn accounts(users: MockUserRepository, matches: bool) -> Arc<Accounts> {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_dummy_hash()
        .return_const("$argon2id$dummy".to_owned());
    hasher.expect_verify().returning(move |_, _| {
        Ok(PasswordCheck {
            matches,
            needs_rehash: false,
        })
    });
    hasher
        .expect_hash()
        .returning(|_| Ok("$argon2id$v=19$new".to_owned()));
    let mut sessions = MockSessionRepository::new();
    sessions.expect_insert().never();
    Arc::new(Accounts::new(AccountsDeps {
        users: Arc::new(users),
        sessions: Arc::new(sessions),
        hasher: Arc::new(hasher),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        policy: PasswordPolicy::default(),
        session_ttl: 3_600,
        lockout: LockoutPolicy::default(),
    }))
}

fn verifier(verified: Result<VerifiedJws, VerifyError>) -> Arc<AccessTokenVerifier> {
    let mut revocations = MockRevocationRepository::new();
    revocations.expect_is_revoked().returning(|_| Ok(false));
    Arc::new(AccessTokenVerifier::new(
        Arc::new(engine_returning(verified)),
        Arc::new(revocations),
        ts::clock_at(NOW),
        IssuerSettings::new(ISS),
    ))
}

fn api(
    accounts: Arc<Accounts>,
    jws: crate::ports::MockJwsEngine,
    verified: Result<VerifiedJws, VerifyError>,
    users: MockUserRepository,
) -> AccountApi {
    api_with(
        accounts,
        jws,
        verified,
        users,
        &Recorder::default(),
        MockClientRepository::new(),
    )
}

fn api_with(
    accounts: Arc<Accounts>,
    jws: crate::ports::MockJwsEngine,
    verified: Result<VerifiedJws, VerifyError>,
    users: MockUserRepository,
    stored: &Recorder<tessera_domain::RefreshToken>,
    clients: MockClientRepository,
) -> AccountApi {
    let mut refresh = MockRefreshTokenRepository::new();
    let r = stored.clone();
    refresh.expect_insert().returning(move |t| {
        r.push(t.clone());
        Ok(())
    });
    let issuer = Arc::new(UserTokenIssuer::new(
        Arc::new(jws),
        Arc::new(refresh),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    ));
    AccountApi::new(AccountApiDeps {
        accounts,
        issuer,
        verifier: verifier(verified),
        users: Arc::new(users),
        clients: Arc::new(clients),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        links: Arc::new(unused_links()),
    })
}

fn unused_links() -> EmailLinks {
    use crate::services::email_links::tests::{links, sign_out};
    links(
        MockUserRepository::new(),
        MockEmailTokenRepository::new(),
        MockMailer::new(),
        MockPasswordHasher::new(),
        sign_out(0),
    )
}

/// Registration stores the user, then its verification token, then mails the link.
#[tokio::test]
async fn register_stores_the_user_then_mails_a_verification_link() {
    use crate::services::email_links::tests::{link_token, links, sign_out, tokens_then_mail};
    let mut seq = mockall::Sequence::new();
    let mut users = MockUserRepository::new();
    let created: Recorder<User> = Recorder::default();
    let c = created.clone();
    users
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |u| {
            c.push(u.clone());
            Ok(())
        });
    let (inserted, mailed) = (Recorder::default(), Recorder::default());
    let (tokens, mailer) = tokens_then_mail(&mut seq, &inserted, &mailed);
    let email_links = links(
        MockUserRepository::new(),
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    let issuer = Arc::new(UserTokenIssuer::new(
        Arc::new(unused_jws()),
        Arc::new(MockRefreshTokenRepository::new()),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    ));
    let api = AccountApi::new(AccountApiDeps {
        accounts: accounts(users, true),
        issuer,
        verifier: verifier(Err(VerifyError::Malformed)),
        users: Arc::new(MockUserRepository::new()),
        clients: Arc::new(MockClientRepository::new()),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        links: Arc::new(email_links),
    });
    let registration = api
        .register("Bob@Example.com", PASSWORD.to_owned().into(), None)
        .await
        .unwrap();
    assert_eq!(registration.email().as_str(), "bob@example.com");
    let Registration::Created(user) = &registration else {
        panic!("{registration:?}")
    };
    let user = user.clone();
    assert!(inserted.all().is_empty(), "nothing mailed before notify");
    api.notify(registration).await;
    assert!(!user.email_verified);
    assert_eq!(created.only().id, user.id);
    let row = inserted.only();
    assert_eq!(row.user_id, user.id);
    assert_eq!(row.email, user.email);
    let token = link_token(
        &mailed.only(),
        crate::services::email_links::tests::VERIFY_EMAIL_PATH,
    );
    assert_eq!(row.digest, tessera_domain::TokenDigest::of(&token));
}

/// ASVS 6.3.8: a taken address is a registration like any other (the password hashed
/// first, then the insert refused); notify mails the owner a notice without a token.
#[tokio::test]
async fn asvs_6_3_8_register_taken_address_mails_the_owner_instead() {
    use crate::services::email_links::tests::{links, sign_out};
    let mut users = MockUserRepository::new();
    users
        .expect_insert()
        .times(1)
        .returning(|_| Err(RepositoryError::Conflict));
    let mut owner_lookup = MockUserRepository::new();
    owner_lookup
        .expect_find_by_email()
        .withf(|e| e.as_str() == "alice@example.com")
        .times(1)
        .returning(|_| Ok(Some(ts::user())));
    let mut tokens = MockEmailTokenRepository::new();
    tokens.expect_insert().never();
    let mailed: Recorder<crate::ports::OutgoingMail> = Recorder::default();
    let m = mailed.clone();
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(1).returning(move |mail| {
        m.push(mail);
        Ok(())
    });
    let email_links = links(
        owner_lookup,
        tokens,
        mailer,
        MockPasswordHasher::new(),
        sign_out(0),
    );
    let issuer = Arc::new(UserTokenIssuer::new(
        Arc::new(unused_jws()),
        Arc::new(MockRefreshTokenRepository::new()),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    ));
    let api = AccountApi::new(AccountApiDeps {
        accounts: accounts(users, true),
        issuer,
        verifier: verifier(Err(VerifyError::Malformed)),
        users: Arc::new(MockUserRepository::new()),
        clients: Arc::new(MockClientRepository::new()),
        clock: ts::clock_at(NOW),
        rng: ts::counting_rng(),
        links: Arc::new(email_links),
    });
    let registration = api
        .register("ALICE@example.com", PASSWORD.to_owned().into(), None)
        .await
        .unwrap();
    assert!(
        matches!(&registration, Registration::Taken(e) if e.as_str() == "alice@example.com"),
        "{registration:?}"
    );
    api.notify(registration).await;
    let mail = mailed.only();
    assert_eq!(mail.to.as_str(), "alice@example.com");
    assert!(mail.subject.contains("tried to register"), "{mail:?}");
    let forgot = crate::services::email_links::tests::targets().password_reset_request;
    assert!(mail.text.contains(&forgot), "{}", mail.text);
    assert!(!mail.text.contains("token="), "{}", mail.text);
}

/// Registration still refuses bad input, naming the field (the HTTP layer maps it to 400).
#[tokio::test]
async fn register_refuses_bad_input() {
    let api = api(
        accounts(MockUserRepository::new(), true),
        unused_jws(),
        Err(VerifyError::Malformed),
        MockUserRepository::new(),
    );
    let r = api
        .register("not-an-email", PASSWORD.to_owned().into(), None)
        .await;
    assert!(matches!(r, Err(CreateUserError::Email(_))), "{r:?}");
    let r = api
        .register("a@example.com", "short".to_owned().into(), None)
        .await;
    assert!(matches!(r, Err(CreateUserError::Password(_))), "{r:?}");
}

/// Alice is found by email; failures are counted and reset.
fn alice_by_email(found: bool) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    let user = found.then(ts::user);
    users
        .expect_find_by_email()
        .returning(move |_| Ok(user.clone()));
    users
        .expect_record_login_failure()
        .returning(|_, now, policy| {
            Ok(tessera_domain::LoginAttempts::default().after_failure(now, &policy))
        });
    users.expect_reset_login_failures().returning(|_| Ok(()));
    users
}

fn token(client_id: &str, scope: &str, sub: &str) -> Result<VerifiedJws, VerifyError> {
    let claims = json!({
        "iss": ISS, "sub": sub, "aud": ISS, "exp": NOW + 60, "iat": NOW - 10,
        "jti": "jti-1", "client_id": client_id, "scope": scope, "auth_time": NOW - 100,
        "gid": "g-1"
    });
    Ok(VerifiedJws {
        claims: claims.as_object().unwrap().clone(),
        kid: "k1".into(),
    })
}

fn unused_jws() -> crate::ports::MockJwsEngine {
    let mut jws = crate::ports::MockJwsEngine::new();
    jws.expect_sign().never();
    jws
}

#[tokio::test]
async fn login_issues_account_tokens_without_a_browser_session() {
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let stored = Recorder::default();
    let api = api_with(
        accounts(alice_by_email(true), true),
        jws,
        Err(VerifyError::Malformed),
        MockUserRepository::new(),
        &stored,
        MockClientRepository::new(),
    );
    let alice = ts::user();
    let amr =
        tessera_domain::AuthMethods::password().with(tessera_domain::AuthMethod::OneTimePassword);
    let tokens = api.issue_for(&alice, amr).await.unwrap();
    assert_eq!(tokens.access_token.expose_secret(), ts::SIGNED_AT);
    let rt = stored.only();
    assert_eq!(
        rt.digest,
        tessera_domain::TokenDigest::of(tokens.refresh_token.unwrap().expose_secret())
    );
    assert_eq!(rt.client_id.as_str(), ACCOUNT_CLIENT_ID);
    assert_eq!(rt.user_id.as_str(), USER_ID);
    assert_eq!(rt.scope.to_string(), ACCOUNT_SCOPE);
    assert_eq!(
        rt.amr, amr,
        "the refresh token keeps how the person signed in"
    );
    assert!(tokens.id_token.is_none());
    assert_eq!(tokens.scope.to_string(), ACCOUNT_SCOPE);
    assert_eq!(
        tokens.expires_in,
        IssuerSettings::new(ISS).lifetimes.access_token
    );
    let claims = ts::signed_with(&signed, crate::services::ACCESS_TOKEN_TYP);
    assert_eq!(claims["client_id"], ACCOUNT_CLIENT_ID);
    assert_eq!(claims["scope"], ACCOUNT_SCOPE);
    assert_eq!(claims["sub"], USER_ID);
    assert_eq!(claims["aud"], json!(IssuerSettings::new(ISS).audience));
    assert_eq!(signed.all().len(), 1, "no ID token");
}

fn users_finding(user: Option<User>) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users
        .expect_find()
        .withf(|id| id.as_str() == USER_ID)
        .returning(move |_| Ok(user.clone()));
    users
}

#[tokio::test]
async fn me_returns_the_user_of_an_account_token() {
    let api = api(
        accounts(MockUserRepository::new(), true),
        unused_jws(),
        token(ACCOUNT_CLIENT_ID, ACCOUNT_SCOPE, USER_ID),
        users_finding(Some(ts::user())),
    );
    assert_eq!(api.me("t").await.unwrap().id.as_str(), USER_ID);
}

#[tokio::test]
async fn me_refuses_tokens_of_other_clients_or_scopes() {
    for (client, scope) in [("web", ACCOUNT_SCOPE), (ACCOUNT_CLIENT_ID, "openid")] {
        let api = api(
            accounts(MockUserRepository::new(), true),
            unused_jws(),
            token(client, scope, USER_ID),
            MockUserRepository::new(),
        );
        assert!(matches!(
            api.me("t").await,
            Err(AccountTokenError::InsufficientScope)
        ));
    }
}

#[tokio::test]
async fn me_refuses_bad_tokens_and_missing_or_disabled_users() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    let cases = [
        (Err(VerifyError::Signature), MockUserRepository::new()),
        (
            token(ACCOUNT_CLIENT_ID, ACCOUNT_SCOPE, USER_ID),
            users_finding(None),
        ),
        (
            token(ACCOUNT_CLIENT_ID, ACCOUNT_SCOPE, USER_ID),
            users_finding(Some(disabled)),
        ),
    ];
    for (verified, users) in cases {
        let api = api(
            accounts(MockUserRepository::new(), true),
            unused_jws(),
            verified,
            users,
        );
        assert!(matches!(
            api.me("t").await,
            Err(AccountTokenError::InvalidToken)
        ));
    }
}

#[tokio::test]
async fn ensure_client_stores_a_public_refresh_only_client_once() {
    for (exists, insert) in [
        (false, Ok(())),
        (false, Err(RepositoryError::Conflict)),
        (true, Ok(())),
    ] {
        let stored: Recorder<Client> = Recorder::default();
        let mut clients = MockClientRepository::new();
        clients
            .expect_find()
            .withf(|id| id.as_str() == ACCOUNT_CLIENT_ID)
            .returning(move |_| Ok(exists.then(|| ts::client(true))));
        let r = stored.clone();
        let insert = std::sync::Mutex::new(Some(insert));
        clients.expect_insert().returning(move |c| {
            r.push(c.clone());
            insert.lock().unwrap().take().unwrap()
        });
        let api = api_with(
            accounts(MockUserRepository::new(), true),
            unused_jws(),
            Err(VerifyError::Malformed),
            MockUserRepository::new(),
            &Recorder::default(),
            clients,
        );
        api.ensure_client().await.unwrap();
        if exists {
            assert!(stored.all().is_empty());
        } else {
            let c = stored.only();
            assert_eq!(c.id.as_str(), ACCOUNT_CLIENT_ID);
            assert!(c.is_public());
            assert_eq!(c.grant_types, vec![GrantType::RefreshToken]);
            assert!(c.redirect_uris.is_empty());
            assert_eq!(c.scope.to_string(), ACCOUNT_SCOPE);
        }
    }
}

#[tokio::test]
async fn require_verified_email_issues_no_tokens_to_an_unverified_address() {
    let (jws, _signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let stored = Recorder::default();
    let api = api_with(
        accounts(alice_by_email(true), true),
        jws,
        Err(VerifyError::Malformed),
        MockUserRepository::new(),
        &stored,
        MockClientRepository::new(),
    )
    .with_verified_email_required(true);
    let mut alice = ts::user();
    alice.email_verified = false;
    let refused = api
        .issue_for(&alice, tessera_domain::AuthMethods::password())
        .await
        .unwrap_err();
    assert!(matches!(refused, AccountLoginError::EmailUnverified));
    assert_eq!(refused.code(), OAuthErrorCode::AccessDenied);
    assert!(stored.all().is_empty(), "no refresh token");
    alice.email_verified = true;
    api.issue_for(&alice, tessera_domain::AuthMethods::password())
        .await
        .unwrap();
}
