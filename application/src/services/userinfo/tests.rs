use super::*;
use crate::errors::VerifyError;
use crate::ports::{MockRevocationRepository, MockUserRepository, VerifiedJws};
use crate::services::access_tokens::tests::engine_returning;
use crate::services::test_support::{self as ts, ISS, USER_ID};
use crate::{IssuerSettings, OAuthErrorCode};
use tessera_domain::User;

const NOW: i64 = 40_000;

/// A valid token of the user with `openid`, bound to the key `jkt`.
pub(super) fn bound_token(jkt: &str) -> Result<VerifiedJws, VerifyError> {
    let mut t = token(USER_ID, "openid")?;
    t.claims.insert("cnf".into(), json!({ "jkt": jkt }));
    Ok(t)
}

/// A valid, unbound token of the user with `openid`.
pub(super) fn plain_token() -> Result<VerifiedJws, VerifyError> {
    token(USER_ID, "openid")
}

fn token(sub: &str, scope: &str) -> Result<VerifiedJws, VerifyError> {
    let claims = json!({
        "iss": ISS, "sub": sub, "aud": ISS, "exp": NOW + 60, "iat": NOW - 10,
        "jti": "jti-1", "client_id": "web", "scope": scope, "auth_time": NOW - 100,
        "gid": "g-1"
    });
    Ok(VerifiedJws {
        claims: claims.as_object().unwrap().clone(),
        kid: "k1".into(),
    })
}

/// `verified` is what the engine answers (it only accepts `typ` at+jwt); `revoked` lists
/// the denylist keys; `user` is what the repository holds (strict when `None`).
pub(super) fn userinfo(
    verified: Result<VerifiedJws, VerifyError>,
    revoked: &'static [&'static str],
    user: Option<Option<User>>,
) -> UserInfo {
    let mut revocations = MockRevocationRepository::new();
    revocations
        .expect_is_revoked()
        .returning(move |k| Ok(revoked.contains(&k)));
    let verifier = AccessTokenVerifier::new(
        Arc::new(engine_returning(verified)),
        Arc::new(revocations),
        ts::clock_at(NOW),
        IssuerSettings::new(ISS),
    );
    let mut users = MockUserRepository::new();
    if let Some(user) = user {
        users
            .expect_find()
            .withf(|id| id.as_str() == USER_ID)
            .returning(move |_| Ok(user.clone()));
    }
    UserInfo::new(Arc::new(verifier), Arc::new(users))
}

async fn claims_for(scope: &str, user: User) -> Value {
    userinfo(token(USER_ID, scope), &[], Some(Some(user)))
        .claims("t")
        .await
        .unwrap()
}

fn assert_invalid_token(r: Result<Value, UserInfoError>) {
    assert!(
        matches!(r, Err(UserInfoError::InvalidToken)),
        "expected {}, got {r:?}",
        OAuthErrorCode::InvalidToken
    );
}

#[tokio::test]
async fn unverifiable_token_is_invalid_token() {
    // VerifyError::Type is what the engine answers for an ID token (typ JWT, not at+jwt).
    for e in [
        VerifyError::Malformed,
        VerifyError::Signature,
        VerifyError::Type,
        VerifyError::UnknownKey,
        VerifyError::Algorithm,
    ] {
        assert_invalid_token(userinfo(Err(e), &[], None).claims("t").await);
    }
}

#[tokio::test]
async fn expired_or_foreign_token_is_invalid_token() {
    let mut expired = token(USER_ID, "openid").unwrap();
    expired.claims.insert("exp".into(), json!(NOW));
    assert_invalid_token(userinfo(Ok(expired), &[], None).claims("t").await);
    let mut foreign = token(USER_ID, "openid").unwrap();
    foreign
        .claims
        .insert("iss".into(), json!("https://evil.example"));
    assert_invalid_token(userinfo(Ok(foreign), &[], None).claims("t").await);
}

#[tokio::test]
async fn as_16_revoked_token_or_grant_is_invalid_token() {
    for revoked in [&["jti-1"][..], &["grant:g-1"][..]] {
        let revoked: &'static [&'static str] = revoked;
        assert_invalid_token(
            userinfo(token(USER_ID, "openid"), revoked, None)
                .claims("t")
                .await,
        );
    }
}

#[tokio::test]
async fn as_30_client_credentials_token_is_invalid_token() {
    // sub is a client id, not a user: no lookup is made.
    assert_invalid_token(
        userinfo(token("svc", "openid"), &[], None)
            .claims("t")
            .await,
    );
}

#[tokio::test]
async fn token_without_openid_is_insufficient_scope() {
    for scope in ["profile email", "", "openid_extra", "OPENID"] {
        let r = userinfo(token(USER_ID, scope), &[], None).claims("t").await;
        assert!(
            matches!(r, Err(UserInfoError::InsufficientScope)),
            "{scope:?}: {r:?}"
        );
    }
}

#[tokio::test]
async fn asvs_7_4_2_disabled_or_deleted_user_is_invalid_token() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    for user in [Some(disabled), None] {
        assert_invalid_token(
            userinfo(token(USER_ID, "openid"), &[], Some(user))
                .claims("t")
                .await,
        );
    }
}

#[tokio::test]
async fn openid_alone_yields_only_sub() {
    assert_eq!(
        claims_for("openid", ts::user()).await,
        json!({ "sub": USER_ID })
    );
}

#[tokio::test]
async fn profile_scope_adds_the_name_when_there_is_one() {
    assert_eq!(
        claims_for("openid profile", ts::user()).await,
        json!({ "sub": USER_ID, "name": "Alice" })
    );
    let mut nameless = ts::user();
    nameless.name = None;
    assert_eq!(
        claims_for("openid profile", nameless).await,
        json!({ "sub": USER_ID })
    );
}

#[tokio::test]
async fn email_scope_adds_email_and_email_verified() {
    let mut unverified = ts::user();
    unverified.email_verified = false;
    assert_eq!(
        claims_for("email openid", unverified).await,
        json!({ "sub": USER_ID, "email": "alice@example.com", "email_verified": false })
    );
}

#[tokio::test]
async fn every_scope_yields_every_claim() {
    assert_eq!(
        claims_for("email openid profile read", ts::user()).await,
        json!({
            "sub": USER_ID, "name": "Alice",
            "email": "alice@example.com", "email_verified": true
        })
    );
}

#[tokio::test]
async fn user_lookup_failure_is_a_repository_error() {
    let mut users = MockUserRepository::new();
    users
        .expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let mut revocations = MockRevocationRepository::new();
    revocations.expect_is_revoked().returning(|_| Ok(false));
    let verifier = AccessTokenVerifier::new(
        Arc::new(engine_returning(token(USER_ID, "openid"))),
        Arc::new(revocations),
        ts::clock_at(NOW),
        IssuerSettings::new(ISS),
    );
    let r = UserInfo::new(Arc::new(verifier), Arc::new(users))
        .claims("t")
        .await;
    assert!(matches!(r, Err(UserInfoError::Repository(_))), "{r:?}");
}
