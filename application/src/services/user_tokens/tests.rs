use super::*;
use crate::ports::{MockJwsEngine, MockRefreshTokenRepository};
use crate::services::test_support::{
    self as ts, Recorder, Signed, CLIENT_ID, ISS, SIGNED_AT, SIGNED_ID, USER_ID,
};
use crate::RepositoryError;
use secrecy::ExposeSecret;
use tessera_domain::{GrantType, SigningAlgorithm};

static NO_TARGET: ResourceTarget = ResourceTarget::NONE;

const NOW: i64 = 60_000;
const AUTH_TIME: i64 = NOW - 120;

fn issuer_with(jws: MockJwsEngine, refresh_tokens: MockRefreshTokenRepository) -> UserTokenIssuer {
    let mut settings = IssuerSettings::new(ISS);
    settings.audience = "https://api.example".into();
    UserTokenIssuer::new(
        Arc::new(jws),
        Arc::new(refresh_tokens),
        ts::clock_at(NOW),
        ts::counting_rng(),
        settings,
    )
}

fn issuer(jws: MockJwsEngine) -> UserTokenIssuer {
    issuer_with(jws, MockRefreshTokenRepository::new())
}

/// Signs for the fixture client and user with `scope`, and returns what was signed.
fn sign(
    alg: SigningAlgorithm,
    scope: &str,
    nonce: Option<&str>,
) -> ((String, Option<String>), Signed) {
    let (jws, signed) = ts::recording_jws(alg);
    let client = ts::client(false);
    let user = ts::user();
    let scope = ts::scope(scope);
    let nonce = nonce.map(|n| Nonce::parse(n).unwrap());
    let g = UserGrant {
        dpop_jkt: None,
        grant_resources: &[],
        sid: None,
        target: &NO_TARGET,
        amr: tessera_domain::AuthMethods::password(),
        client: &client,
        user: &user,
        grant_id: "g-1",
        scope: &scope,
        grant_scope: &scope,
        auth_time: UnixTime::from_secs(AUTH_TIME),
        nonce: nonce.as_ref(),
    };
    let out = issuer(jws).sign(&g).unwrap();
    (out, signed)
}

#[test]
fn as_31_access_token_has_rfc_9068_claims_grant_id_and_auth_time() {
    let ((at, _), signed) = sign(SigningAlgorithm::Rs256, "openid read", None);
    assert_eq!(at, SIGNED_AT);
    let c = ts::signed_with(&signed, ACCESS_TOKEN_TYP);
    assert_eq!(ACCESS_TOKEN_TYP, "at+jwt");
    assert_eq!(c["iss"], ISS);
    assert_eq!(c["sub"], USER_ID);
    assert_eq!(c["aud"], "https://api.example");
    assert_eq!(c["client_id"], CLIENT_ID);
    assert_eq!(c["scope"], "openid read");
    assert_eq!(c["iat"], NOW);
    assert_eq!(c["exp"], NOW + 900);
    assert_eq!(c["auth_time"], AUTH_TIME);
    assert_eq!(c["gid"], "g-1");
    assert_eq!(c["jti"].as_str().map(str::len), Some(22), "128-bit jti");
}

#[test]
fn every_access_token_gets_its_own_jti() {
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let i = issuer(jws);
    let client = ts::client(false);
    let user = ts::user();
    let scope = ts::scope("read");
    let g = UserGrant {
        dpop_jkt: None,
        grant_resources: &[],
        sid: None,
        target: &NO_TARGET,
        amr: tessera_domain::AuthMethods::password(),
        client: &client,
        user: &user,
        grant_id: "g-1",
        scope: &scope,
        grant_scope: &scope,
        auth_time: UnixTime::from_secs(AUTH_TIME),
        nonce: None,
    };
    i.sign(&g).unwrap();
    i.sign(&g).unwrap();
    let jtis: Vec<_> = signed
        .all()
        .into_iter()
        .map(|(_, c)| c["jti"].clone())
        .collect();
    assert_eq!(jtis.len(), 2);
    assert_ne!(jtis[0], jtis[1]);
}

#[test]
fn without_openid_there_is_no_id_token() {
    // active_algorithm is still allowed by recording_jws; only one token may be signed.
    let ((_, id), signed) = sign(SigningAlgorithm::Rs256, "read profile email", Some("n"));
    assert_eq!(id, None);
    assert_eq!(signed.all().len(), 1);
    assert_eq!(signed.all()[0].0, ACCESS_TOKEN_TYP);
}

#[test]
fn as_40_id_token_claims_bind_issuer_user_client_nonce_and_auth_time() {
    let ((_, id), signed) = sign(SigningAlgorithm::Rs256, "openid", Some("n-1"));
    assert_eq!(id.as_deref(), Some(SIGNED_ID));
    let c = ts::signed_with(&signed, ID_TOKEN_TYP);
    assert_eq!(ID_TOKEN_TYP, "JWT");
    assert_eq!(c["iss"], ISS);
    assert_eq!(c["sub"], USER_ID);
    assert_eq!(
        c["aud"], CLIENT_ID,
        "the ID token is for the client, not the API"
    );
    assert_eq!(c["azp"], CLIENT_ID);
    assert_eq!(c["iat"], NOW);
    assert_eq!(c["exp"], NOW + 3_600);
    assert_eq!(c["auth_time"], AUTH_TIME);
    assert_eq!(c["nonce"], "n-1");
    for absent in ["email", "email_verified", "name", "scope", "gid", "jti"] {
        assert!(
            c.get(absent).is_none(),
            "{absent} must not be in a bare openid ID token"
        );
    }
}

#[test]
fn as_40_id_token_without_a_nonce_in_the_request_has_none() {
    let (_, signed) = sign(SigningAlgorithm::Rs256, "openid", None);
    assert!(ts::signed_with(&signed, ID_TOKEN_TYP)
        .get("nonce")
        .is_none());
}

#[test]
fn as_40_at_hash_is_computed_with_the_active_algorithm() {
    for (alg, len) in [
        (SigningAlgorithm::Rs256, 22),
        (SigningAlgorithm::Es256, 22),
        // Ed25519 uses SHA-512: its left half is 32 bytes.
        (SigningAlgorithm::EdDsa, 43),
    ] {
        let ((at, _), signed) = sign(alg, "openid", None);
        let c = ts::signed_with(&signed, ID_TOKEN_TYP);
        assert_eq!(c["at_hash"], half_hash(alg, &at), "{alg}");
        assert_eq!(c["at_hash"].as_str().map(str::len), Some(len), "{alg}");
    }
}

#[test]
fn email_claims_only_with_the_email_scope_and_name_only_with_profile() {
    let (_, signed) = sign(SigningAlgorithm::Rs256, "email openid", None);
    let c = ts::signed_with(&signed, ID_TOKEN_TYP);
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(c["email_verified"], true);
    assert!(c.get("name").is_none());

    let (_, signed) = sign(SigningAlgorithm::Rs256, "openid profile", None);
    let c = ts::signed_with(&signed, ID_TOKEN_TYP);
    assert_eq!(c["name"], "Alice");
    assert!(c.get("email").is_none() && c.get("email_verified").is_none());
}

fn grant_sign_with(
    jws: MockJwsEngine,
    scope: &str,
) -> Result<(String, Option<String>), TokenError> {
    let client = ts::client(false);
    let user = ts::user();
    let scope = ts::scope(scope);
    let g = UserGrant {
        dpop_jkt: None,
        grant_resources: &[],
        sid: None,
        target: &NO_TARGET,
        amr: tessera_domain::AuthMethods::password(),
        client: &client,
        user: &user,
        grant_id: "g-1",
        scope: &scope,
        grant_scope: &scope,
        auth_time: UnixTime::from_secs(AUTH_TIME),
        nonce: None,
    };
    issuer(jws).sign(&g)
}

#[test]
fn id_token_without_an_active_key_is_a_crypto_error() {
    let mut jws = MockJwsEngine::new();
    jws.expect_sign().returning(|_, _| Ok("at".into()));
    jws.expect_active_algorithm().return_const(None);
    let r = grant_sign_with(jws, "openid");
    assert!(
        matches!(r, Err(TokenError::Crypto(CryptoError::NoActiveKey))),
        "{r:?}"
    );
}

#[test]
fn signing_failure_is_a_crypto_error() {
    let mut jws = MockJwsEngine::new();
    jws.expect_sign()
        .returning(|_, _| Err(CryptoError::backend("hsm down")));
    let r = grant_sign_with(jws, "read");
    assert!(matches!(r, Err(TokenError::Crypto(_))), "{r:?}");
}

#[test]
fn refresh_tokens_go_to_clients_with_the_grant_and_to_public_ones_only_offline() {
    let confidential = ts::client(false);
    let public = ts::client(true);
    let mut no_grant = ts::client(false);
    no_grant.grant_types = vec![GrantType::AuthorizationCode];
    let offline = ts::scope("offline_access openid");
    let online = ts::scope("openid");
    assert!(UserTokenIssuer::wants_refresh_token(&confidential, &online));
    assert!(UserTokenIssuer::wants_refresh_token(
        &confidential,
        &offline
    ));
    assert!(UserTokenIssuer::wants_refresh_token(&public, &offline));
    assert!(!UserTokenIssuer::wants_refresh_token(&public, &online));
    assert!(!UserTokenIssuer::wants_refresh_token(&no_grant, &offline));
    assert!(public.is_public());
}

fn grant_for<'a>(
    client: &'a Client,
    user: &'a User,
    scope: &'a ScopeSet,
    grant_scope: &'a ScopeSet,
) -> UserGrant<'a> {
    UserGrant {
        dpop_jkt: None,
        grant_resources: &[],
        sid: None,
        target: &NO_TARGET,
        amr: tessera_domain::AuthMethods::password(),
        client,
        user,
        grant_id: "g-1",
        scope,
        grant_scope,
        auth_time: UnixTime::from_secs(AUTH_TIME),
        nonce: None,
    }
}

#[tokio::test]
async fn as_24_first_refresh_token_opens_a_family_with_idle_and_absolute_expiry() {
    let inserted = Recorder::default();
    let mut refresh_tokens = MockRefreshTokenRepository::new();
    let r = inserted.clone();
    refresh_tokens.expect_insert().times(1).returning(move |t| {
        r.push(t.clone());
        Ok(())
    });
    let i = issuer_with(MockJwsEngine::new(), refresh_tokens);
    let (client, user) = (ts::client(true), ts::user());
    let (scope, grant_scope) = (ts::scope("openid"), ts::scope("offline_access openid"));
    let token = i
        .first_refresh_token(&grant_for(&client, &user, &scope, &grant_scope))
        .await
        .unwrap();
    assert_eq!(token.expose_secret().len(), 43, "256 bits");
    let rt = inserted.only();
    assert_eq!(rt.digest, TokenDigest::of(token.expose_secret()));
    assert_eq!(rt.grant_id, "g-1");
    assert_eq!(rt.client_id.as_str(), CLIENT_ID);
    assert_eq!(rt.user_id.as_str(), USER_ID);
    assert_eq!(
        rt.scope, grant_scope,
        "refresh tokens keep the whole grant's scope"
    );
    assert_eq!(rt.auth_time, UnixTime::from_secs(AUTH_TIME));
    let l = i.settings().lifetimes;
    assert_eq!(rt.expires_at, UnixTime::from_secs(NOW + l.refresh_idle));
    assert_eq!(
        rt.family_expires_at,
        UnixTime::from_secs(NOW + l.refresh_absolute)
    );
    assert!(l.refresh_idle < l.refresh_absolute);
}

#[tokio::test]
async fn refresh_token_that_cannot_be_stored_is_not_returned() {
    let mut refresh_tokens = MockRefreshTokenRepository::new();
    refresh_tokens
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let i = issuer_with(MockJwsEngine::new(), refresh_tokens);
    let (client, user, scope) = (ts::client(false), ts::user(), ts::scope("read"));
    let r = i
        .first_refresh_token(&grant_for(&client, &user, &scope, &scope))
        .await;
    assert!(matches!(r, Err(TokenError::Repository(_))), "{r:?}");
}

#[test]
fn as_24_successor_keeps_the_family_expiry_and_is_capped_by_it() {
    // Successors are not stored here: the grant's atomic rotation stores them.
    let i = issuer(MockJwsEngine::new());
    let (client, user, scope) = (ts::client(false), ts::user(), ts::scope("read"));
    let g = grant_for(&client, &user, &scope, &scope);
    let idle = i.settings().lifetimes.refresh_idle;

    let far = UnixTime::from_secs(NOW + 10 * idle);
    let (token, rt) = i.successor(&g, far);
    assert_eq!(rt.digest, TokenDigest::of(token.expose_secret()));
    assert_eq!(rt.grant_id, "g-1");
    assert_eq!(rt.expires_at, UnixTime::from_secs(NOW + idle));
    assert_eq!(rt.family_expires_at, far);

    let near = UnixTime::from_secs(NOW + 60);
    let (other, rt) = i.successor(&g, near);
    assert_eq!(rt.expires_at, near);
    assert_eq!(rt.family_expires_at, near);
    assert_ne!(token.expose_secret(), other.expose_secret());
}

#[test]
fn the_id_token_names_the_session_it_came_from() {
    for sid in [Some("sid-1"), None] {
        let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
        let i = issuer(jws);
        let client = ts::client(false);
        let user = ts::user();
        let scope = ts::scope("openid");
        let g = UserGrant {
            grant_resources: &[],
            sid,
            dpop_jkt: None,
            target: &NO_TARGET,
            amr: tessera_domain::AuthMethods::password(),
            client: &client,
            user: &user,
            grant_id: "g-1",
            scope: &scope,
            grant_scope: &scope,
            auth_time: UnixTime::from_secs(AUTH_TIME),
            nonce: None,
        };
        i.sign(&g).unwrap();
        let id = ts::signed_with(&signed, ID_TOKEN_TYP);
        assert_eq!(id.get("sid").and_then(|v| v.as_str()), sid);
    }
}
