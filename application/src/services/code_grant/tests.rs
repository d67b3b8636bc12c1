use super::*;
use crate::ports::{
    MockAuthorizationCodeRepository, MockJwsEngine, MockRefreshTokenRepository,
    MockRevocationRepository, MockUserRepository,
};
use crate::services::test_support::{
    self as ts, Recorder, Signed, CHALLENGE, CLIENT_ID, ISS, REDIRECT, SIGNED_AT, SIGNED_ID,
    USER_ID, VERIFIER,
};
use crate::services::{ACCESS_TOKEN_TYP, ID_TOKEN_TYP};
use crate::OAuthErrorCode;
use crate::{IssuerSettings, RepositoryError};
use secrecy::ExposeSecret;
use tessera_domain::{
    AuthorizationCode, ClientId, CodeChallenge, Nonce, RedirectUri, RefreshToken, SigningAlgorithm,
    User,
};

const NOW: i64 = 50_000;
const CODE: &str = "the-code";

/// The code as Authorize stores it: bound to the client, the redirect URI and the challenge.
fn stored_code() -> AuthorizationCode {
    AuthorizationCode {
        sid: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(CODE),
        client_id: ClientId::parse(CLIENT_ID).unwrap(),
        user_id: ts::user().id,
        grant_id: "g-1".into(),
        redirect_uri: Some(RedirectUri::parse(REDIRECT).unwrap()),
        code_challenge: Some(CodeChallenge::parse(CHALLENGE).unwrap()),
        scope: ts::scope("openid read"),
        nonce: Some(Nonce::parse("n-1").unwrap()),
        auth_time: UnixTime::from_secs(NOW - 30),
        expires_at: UnixTime::from_secs(NOW + 30),
    }
}

/// Every port of the grant; the defaults allow nothing but what the happy path needs.
struct Ports {
    codes: MockAuthorizationCodeRepository,
    users: MockUserRepository,
    refresh_tokens: MockRefreshTokenRepository,
    revocations: MockRevocationRepository,
    jws: MockJwsEngine,
}

fn consuming(redemption: CodeRedemption) -> MockAuthorizationCodeRepository {
    let mut codes = MockAuthorizationCodeRepository::new();
    codes
        .expect_consume()
        .withf(|d, now| *d == TokenDigest::of(CODE) && *now == UnixTime::from_secs(NOW))
        .times(1)
        .returning(move |_, _| Ok(redemption.clone()));
    codes
}

fn users_returning(user: Option<User>) -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users
        .expect_find()
        .withf(|id| id.as_str() == USER_ID)
        .returning(move |_| Ok(user.clone()));
    users
}

/// The code redeems, the user is found; no signing, storing or revoking is allowed.
fn redeeming(code: AuthorizationCode) -> Ports {
    Ports {
        codes: consuming(CodeRedemption::Redeemed(Box::new(code))),
        users: users_returning(Some(ts::user())),
        refresh_tokens: MockRefreshTokenRepository::new(),
        revocations: MockRevocationRepository::new(),
        jws: MockJwsEngine::new(),
    }
}

/// The code redeems but must be refused before the user is even looked up.
fn refused(code: AuthorizationCode) -> Ports {
    let mut p = redeeming(code);
    p.users = MockUserRepository::new();
    p
}

fn grant(p: Ports) -> AuthorizationCodeGrant {
    let refresh_tokens: Arc<dyn RefreshTokenRepository> = Arc::new(p.refresh_tokens);
    let issuer = Arc::new(UserTokenIssuer::new(
        Arc::new(p.jws),
        refresh_tokens.clone(),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    ));
    AuthorizationCodeGrant::new(
        Arc::new(p.codes),
        Arc::new(p.users),
        refresh_tokens,
        Arc::new(p.revocations),
        issuer,
        ts::clock_at(NOW),
    )
}

async fn exchange(
    p: Ports,
    client: &Client,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<TokenSet, TokenError> {
    grant(p)
        .exchange(client, CODE, redirect_uri, verifier)
        .await
}

/// A successful redemption: tokens are signed and refresh tokens recorded.
fn succeeding(code: AuthorizationCode) -> (Ports, Signed, Recorder<RefreshToken>) {
    let mut p = redeeming(code);
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    p.jws = jws;
    let inserted = Recorder::default();
    let r = inserted.clone();
    p.refresh_tokens.expect_insert().returning(move |t| {
        r.push(t.clone());
        Ok(())
    });
    (p, signed, inserted)
}

fn assert_invalid_grant(r: Result<TokenSet, TokenError>) {
    ts::assert_token_error(r, OAuthErrorCode::InvalidGrant);
}

fn assert_invalid_request(r: Result<TokenSet, TokenError>) {
    ts::assert_token_error(r, OAuthErrorCode::InvalidRequest);
}

#[tokio::test]
async fn unknown_code_is_invalid_grant() {
    let p = Ports {
        codes: consuming(CodeRedemption::NotFound),
        users: MockUserRepository::new(),
        refresh_tokens: MockRefreshTokenRepository::new(),
        revocations: MockRevocationRepository::new(),
        jws: MockJwsEngine::new(),
    };
    assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
}

#[tokio::test]
async fn as_16_second_redemption_revokes_the_grant_and_is_invalid_grant() {
    let mut refresh_tokens = MockRefreshTokenRepository::new();
    refresh_tokens
        .expect_revoke_family()
        .withf(|f| f == "g-1")
        .times(1)
        .returning(|_| Ok(2));
    let mut revocations = MockRevocationRepository::new();
    let lifetimes = IssuerSettings::new(ISS).lifetimes;
    // Access tokens carrying gid g-1 stay denied as long as any token of the grant lives.
    let until = UnixTime::from_secs(NOW + lifetimes.refresh_absolute.max(lifetimes.access_token));
    revocations
        .expect_revoke()
        .withf(move |key, t| key == "grant:g-1" && *t == until)
        .times(1)
        .returning(|_, _| Ok(()));
    let p = Ports {
        codes: consuming(CodeRedemption::AlreadyUsed {
            grant_id: "g-1".into(),
        }),
        users: MockUserRepository::new(),
        refresh_tokens,
        revocations,
        jws: MockJwsEngine::new(),
    };
    assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
}

#[tokio::test]
async fn as_16_failure_to_revoke_a_replayed_grant_is_a_server_fault() {
    let mut refresh_tokens = MockRefreshTokenRepository::new();
    refresh_tokens
        .expect_revoke_family()
        .returning(|_| Err(RepositoryError::Unavailable));
    let p = Ports {
        codes: consuming(CodeRedemption::AlreadyUsed {
            grant_id: "g-1".into(),
        }),
        users: MockUserRepository::new(),
        refresh_tokens,
        revocations: MockRevocationRepository::new(),
        jws: MockJwsEngine::new(),
    };
    let r = exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await;
    assert!(matches!(r, Err(TokenError::Repository(_))));
}

#[test]
fn grant_revocation_key_names_the_grant() {
    assert_eq!(grant_revocation_key("abc"), "grant:abc");
}

#[tokio::test]
async fn as_18_code_issued_to_another_client_is_invalid_grant() {
    let mut code = stored_code();
    code.client_id = ClientId::parse("other-app").unwrap();
    let p = refused(code);
    assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
}

#[tokio::test]
async fn as_17_expired_code_is_invalid_grant() {
    for expires in [NOW, NOW - 1, NOW - 600] {
        let mut code = stored_code();
        code.expires_at = UnixTime::from_secs(expires);
        let p = refused(code);
        assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
    }
}

#[tokio::test]
async fn as_18_redirect_uri_differing_from_the_authorization_request_is_invalid_grant() {
    for given in [
        "https://app.example/cb/",
        "https://app.example/cb?x",
        "https://APP.example/cb",
        "https://app.example/other",
    ] {
        let p = refused(stored_code());
        assert_invalid_grant(exchange(p, &ts::client(false), Some(given), Some(VERIFIER)).await);
    }
}

#[tokio::test]
async fn as_18_missing_redirect_uri_when_it_was_sent_is_invalid_grant() {
    let p = refused(stored_code());
    assert_invalid_grant(exchange(p, &ts::client(false), None, Some(VERIFIER)).await);
}

#[tokio::test]
async fn as_18_loopback_redirect_uri_must_repeat_the_port_that_was_sent() {
    let mut code = stored_code();
    code.redirect_uri = Some(RedirectUri::parse("http://127.0.0.1:5000/cb").unwrap());
    let p = refused(code);
    let r = exchange(
        p,
        &ts::client(true),
        Some("http://127.0.0.1:6000/cb"),
        Some(VERIFIER),
    )
    .await;
    assert_invalid_grant(r);
}

#[tokio::test]
async fn redirect_uri_is_optional_when_the_authorization_request_had_none() {
    for given in [None, Some(REDIRECT)] {
        let mut code = stored_code();
        code.redirect_uri = None;
        let (p, _, _) = succeeding(code);
        assert!(exchange(p, &ts::client(false), given, Some(VERIFIER))
            .await
            .is_ok());
    }
}

#[tokio::test]
async fn as_15_verifier_not_matching_the_challenge_is_invalid_grant() {
    let other = "a".repeat(43);
    let p = refused(stored_code());
    assert_invalid_grant(exchange(p, &ts::client(true), Some(REDIRECT), Some(&other)).await);
}

#[tokio::test]
async fn as_15_missing_verifier_is_invalid_request() {
    for client in [ts::client(true), ts::client(false)] {
        let p = refused(stored_code());
        assert_invalid_request(exchange(p, &client, Some(REDIRECT), None).await);
    }
}

#[tokio::test]
async fn as_15_malformed_verifier_is_invalid_request() {
    let short = &VERIFIER[..42];
    let long = "a".repeat(129);
    let plus = format!("{}+", &VERIFIER[..42]);
    // `plain`: the challenge itself presented as verifier is well-formed but does not match.
    for (v, request_error) in [
        (short, true),
        (long.as_str(), true),
        (plus.as_str(), true),
        (CHALLENGE, false),
    ] {
        let p = refused(stored_code());
        let r = exchange(p, &ts::client(true), Some(REDIRECT), Some(v)).await;
        if request_error {
            assert_invalid_request(r);
        } else {
            assert_invalid_grant(r);
        }
    }
}

#[tokio::test]
async fn as_14_verifier_for_a_code_issued_without_challenge_is_refused() {
    let mut code = stored_code();
    code.code_challenge = None;
    let p = refused(code);
    assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
}

#[tokio::test]
async fn code_issued_without_challenge_is_redeemed_without_verifier() {
    let mut code = stored_code();
    code.code_challenge = None;
    let (p, _, _) = succeeding(code);
    assert!(exchange(p, &ts::client(false), Some(REDIRECT), None)
        .await
        .is_ok());
}

#[tokio::test]
async fn disabled_or_deleted_user_is_invalid_grant() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    for user in [Some(disabled), None] {
        let mut p = redeeming(stored_code());
        p.users = users_returning(user);
        assert_invalid_grant(exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await);
    }
}

#[tokio::test]
async fn client_without_the_grant_is_unauthorized_client_and_the_code_is_not_spent() {
    let mut client = ts::client(false);
    client.grant_types = vec![GrantType::RefreshToken];
    // No port may be touched: the code stays redeemable by its rightful client.
    let p = Ports {
        codes: MockAuthorizationCodeRepository::new(),
        users: MockUserRepository::new(),
        refresh_tokens: MockRefreshTokenRepository::new(),
        revocations: MockRevocationRepository::new(),
        jws: MockJwsEngine::new(),
    };
    let r = exchange(p, &client, Some(REDIRECT), Some(VERIFIER)).await;
    assert!(
        matches!(&r, Err(e) if e.code() == OAuthErrorCode::UnauthorizedClient),
        "{r:?}"
    );
}

#[tokio::test]
async fn success_with_openid_returns_an_id_token_bound_to_the_code() {
    let (p, signed, inserted) = succeeding(stored_code());
    let t = exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert_eq!(t.access_token.expose_secret(), SIGNED_AT);
    assert_eq!(t.id_token.as_deref(), Some(SIGNED_ID));
    assert_eq!(
        t.expires_in,
        IssuerSettings::new(ISS).lifetimes.access_token
    );
    assert_eq!(t.scope, ts::scope("openid read"));
    let at = ts::signed_with(&signed, ACCESS_TOKEN_TYP);
    assert_eq!(at["gid"], "g-1", "AS-16: access tokens carry the grant id");
    assert_eq!(at["scope"], "openid read");
    assert_eq!(at["auth_time"], NOW - 30);
    let id = ts::signed_with(&signed, ID_TOKEN_TYP);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["sub"], USER_ID);
    assert_eq!(id["auth_time"], NOW - 30);
    // A confidential client with the refresh grant gets a refresh token of the same grant.
    let rt = inserted.only();
    let given = t.refresh_token.expect("refresh token");
    assert_eq!(rt.digest, TokenDigest::of(given.expose_secret()));
    assert_eq!(rt.grant_id, "g-1");
    assert_eq!(rt.client_id.as_str(), CLIENT_ID);
    assert_eq!(rt.user_id.as_str(), USER_ID);
    assert_eq!(rt.scope, ts::scope("openid read"));
    assert_eq!(rt.auth_time, UnixTime::from_secs(NOW - 30));
}

#[tokio::test]
async fn success_without_openid_has_no_id_token() {
    let mut code = stored_code();
    code.scope = ts::scope("read");
    code.nonce = None;
    let (p, signed, _) = succeeding(code);
    let t = exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert_eq!(t.id_token, None);
    assert_eq!(t.scope, ts::scope("read"));
    assert!(signed.all().iter().all(|(typ, _)| typ != ID_TOKEN_TYP));
}

#[tokio::test]
async fn client_without_the_refresh_grant_gets_no_refresh_token() {
    let mut client = ts::client(false);
    client.grant_types = vec![GrantType::AuthorizationCode];
    let mut p = redeeming(stored_code());
    p.jws = ts::recording_jws(SigningAlgorithm::Rs256).0;
    // refresh_tokens stays strict: nothing may be inserted.
    let t = exchange(p, &client, Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert!(t.refresh_token.is_none());
}

#[tokio::test]
async fn public_client_gets_a_refresh_token_only_with_offline_access() {
    let mut without = stored_code();
    without.scope = ts::scope("openid read");
    let mut p = redeeming(without);
    p.jws = ts::recording_jws(SigningAlgorithm::Rs256).0;
    let t = exchange(p, &ts::client(true), Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert!(t.refresh_token.is_none());

    let mut with = stored_code();
    with.scope = ts::scope("openid offline_access");
    let (p, _, inserted) = succeeding(with);
    let t = exchange(p, &ts::client(true), Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    assert!(t.refresh_token.is_some());
    assert_eq!(inserted.only().scope, ts::scope("openid offline_access"));
}

#[tokio::test]
async fn signing_failure_is_a_server_error() {
    let mut p = redeeming(stored_code());
    p.jws
        .expect_sign()
        .returning(|_, _| Err(crate::errors::CryptoError::NoActiveKey));
    let r = exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await;
    assert!(matches!(r, Err(TokenError::Crypto(_))));
}

#[tokio::test]
async fn refresh_token_that_cannot_be_stored_fails_the_exchange() {
    let mut p = redeeming(stored_code());
    p.jws = ts::recording_jws(SigningAlgorithm::Rs256).0;
    p.refresh_tokens
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let r = exchange(p, &ts::client(false), Some(REDIRECT), Some(VERIFIER)).await;
    assert!(matches!(r, Err(TokenError::Repository(_))));
}
