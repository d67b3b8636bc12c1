use super::*;
use crate::errors::VerifyError;
use crate::ports::{
    MockJwsEngine, MockRefreshTokenRepository, MockRevocationRepository, MockUserRepository,
    StoredRefreshToken, VerifiedJws,
};
use crate::services::access_tokens::tests::{claims_json, clock_at, engine_returning, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::services::test_support as ts;
use crate::IssuerSettings;
use tessera_domain::{ClientId, RefreshToken, TokenEndpointAuthMethod, UnixTime, User};

fn introspection(r: Result<VerifiedJws, VerifyError>, revoked: bool) -> Introspection {
    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked().returning(move |_| Ok(revoked));
    let verifier = AccessTokenVerifier::new(
        Arc::new(engine_returning(r)),
        Arc::new(rev),
        clock_at(150),
        IssuerSettings::new(ISS),
    );
    Introspection::new(
        Arc::new(verifier),
        Arc::new(MockRefreshTokenRepository::new()),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockRevocationRepository::new()),
        clock_at(150),
    )
}

/// Introspection of one live refresh token (family `fam`) whose user is `user` and whose
/// grant is denylisted when `grant_revoked`.
fn refresh_introspection(user: Option<User>, grant_revoked: bool) -> Introspection {
    let verifier = AccessTokenVerifier::new(
        Arc::new(MockJwsEngine::new()),
        Arc::new(MockRevocationRepository::new()),
        clock_at(150),
        IssuerSettings::new(ISS),
    );
    let mut refresh = MockRefreshTokenRepository::new();
    refresh.expect_find().returning(|d| {
        Ok(Some(StoredRefreshToken {
            token: RefreshToken {
                dpop_jkt: None,
                resources: Vec::new(),
                amr: tessera_domain::AuthMethods::password(),
                digest: d.clone(),
                grant_id: "fam".into(),
                client_id: ClientId::parse("web").unwrap(),
                user_id: ts::user().id,
                scope: ts::scope("openid offline_access"),
                expires_at: UnixTime::from_secs(1_000),
                family_expires_at: UnixTime::from_secs(2_000),
                auth_time: UnixTime::from_secs(100),
            },
            used: false,
            used_at: None,
            replay: None,
            revoked: false,
        }))
    });
    let mut users = MockUserRepository::new();
    users.expect_find().returning(move |_| Ok(user.clone()));
    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked()
        .withf(|k| k == "grant:fam")
        .returning(move |_| Ok(grant_revoked));
    Introspection::new(
        Arc::new(verifier),
        Arc::new(refresh),
        Arc::new(users),
        Arc::new(rev),
        clock_at(150),
    )
}

#[tokio::test]
async fn a_live_refresh_token_of_an_enabled_user_is_active() {
    let r = refresh_introspection(Some(ts::user()), false)
        .introspect(&caller(), "opaque")
        .await
        .unwrap();
    assert!(r.active);
    assert_eq!(r.token_type, Some("refresh_token"));
    assert_eq!(r.sub.as_deref(), Some(ts::USER_ID));
}

#[tokio::test]
async fn asvs_7_4_2_a_refresh_token_of_a_disabled_or_deleted_user_is_inactive() {
    let disabled = User {
        disabled: true,
        ..ts::user()
    };
    for user in [Some(disabled), None] {
        let r = refresh_introspection(user, false)
            .introspect(&caller(), "opaque")
            .await
            .unwrap();
        assert_eq!(r, IntrospectionResponse::inactive());
    }
}

#[tokio::test]
async fn as_25_a_refresh_token_of_a_revoked_grant_is_inactive() {
    let r = refresh_introspection(Some(ts::user()), true)
        .introspect(&caller(), "opaque")
        .await
        .unwrap();
    assert_eq!(r, IntrospectionResponse::inactive());
}

fn caller() -> Client {
    confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s")
}

#[tokio::test]
async fn active_token_reports_its_claims() {
    let ok = Ok(VerifiedJws {
        claims: claims_json(200, 100, ISS),
        kid: "k".into(),
    });
    let r = introspection(ok, false)
        .introspect(&caller(), "a.b.c")
        .await
        .unwrap();
    assert!(r.active);
    assert_eq!(r.client_id.as_deref(), Some("svc"));
    assert_eq!(r.scope.as_deref(), Some("read"));
    assert_eq!(r.token_type, Some("Bearer"));
    assert_eq!(r.exp, Some(200));
    assert_eq!(r.cnf, None);
}

#[tokio::test]
async fn a_dpop_bound_token_reports_its_key_and_type() {
    let mut claims = claims_json(200, 100, ISS);
    claims.insert("cnf".into(), serde_json::json!({"jkt": "thumb"}));
    let ok = Ok(VerifiedJws {
        claims,
        kid: "k".into(),
    });
    let r = introspection(ok, false)
        .introspect(&caller(), "a.b.c")
        .await
        .unwrap();
    assert_eq!(r.token_type, Some("DPoP"));
    assert_eq!(r.cnf.map(|c| c.jkt).as_deref(), Some("thumb"));
}

#[tokio::test]
async fn revoked_or_bad_tokens_say_only_inactive() {
    let ok = Ok(VerifiedJws {
        claims: claims_json(200, 100, ISS),
        kid: "k".into(),
    });
    let r = introspection(ok, true)
        .introspect(&caller(), "a.b.c")
        .await
        .unwrap();
    assert_eq!(r, IntrospectionResponse::inactive());
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(json, r#"{"active":false}"#);
    let r = introspection(Err(VerifyError::UnknownKey), false)
        .introspect(&caller(), "a.b.c")
        .await
        .unwrap();
    assert!(!r.active);
}
