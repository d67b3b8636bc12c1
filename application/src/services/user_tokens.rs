use crate::errors::CryptoError;
use crate::ports::{random_token, Clock, JwsEngine, RandomSource, RefreshTokenRepository};
use crate::services::ACCESS_TOKEN_TYP;
use crate::IssuerSettings;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    half_hash, AccessTokenClaims, Client, GrantType, IdTokenClaims, Nonce, RefreshToken, ScopeSet,
    TokenDigest, UnixTime, User,
};

use super::TokenError;

/// The JWS `typ` of ID tokens.
pub const ID_TOKEN_TYP: &str = "JWT";

/// Tokens handed to a client for a user (RFC 6749 §5.1 plus `id_token`).
#[derive(Debug)]
pub struct TokenSet {
    /// RFC 9068 access token.
    pub access_token: SecretString,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// The access token's scope.
    pub scope: ScopeSet,
    /// The next refresh token, if the client may refresh.
    pub refresh_token: Option<SecretString>,
    /// The ID token, when `openid` was granted.
    pub id_token: Option<String>,
}

/// What a user token is issued from.
pub struct Grant<'a> {
    /// The client.
    pub client: &'a Client,
    /// The user.
    pub user: &'a User,
    /// The grant (family) id every token carries.
    pub grant_id: &'a str,
    /// Scope of the access token.
    pub scope: &'a ScopeSet,
    /// Scope of the whole grant, kept on refresh tokens.
    pub grant_scope: &'a ScopeSet,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// Nonce for the ID token (code flow only).
    pub nonce: Option<&'a Nonce>,
}

/// Signs access and ID tokens for users and mints refresh tokens; shared by the code and
/// refresh grants so both issue exactly the same shapes.
pub struct UserTokenIssuer {
    jws: Arc<dyn JwsEngine>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
}

impl UserTokenIssuer {
    /// Builds the issuer.
    pub fn new(
        jws: Arc<dyn JwsEngine>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            jws,
            refresh_tokens,
            clock,
            rng,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &IssuerSettings {
        &self.settings
    }

    /// Whether `client` gets a refresh token for `scope`: it must hold the grant, and a public
    /// client must also have been granted `offline_access`.
    pub fn wants_refresh_token(client: &Client, scope: &ScopeSet) -> bool {
        client.grant_types.contains(&GrantType::RefreshToken)
            && (!client.is_public() || scope.contains("offline_access"))
    }

    /// Signs the access token and, with `openid`, the ID token.
    pub fn sign(&self, g: &Grant<'_>) -> Result<(String, Option<String>), TokenError> {
        let now = self.clock.now();
        let lifetimes = &self.settings.lifetimes;
        let at = AccessTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: g.user.id.to_string(),
            aud: self.settings.audience.clone(),
            exp: now.plus(lifetimes.access_token).as_secs(),
            iat: now.as_secs(),
            jti: random_token(self.rng.as_ref(), 16),
            client_id: g.client.id.to_string(),
            scope: g.scope.to_string(),
            auth_time: Some(g.auth_time.as_secs()),
            gid: Some(g.grant_id.to_owned()),
        };
        let access_token = self.jws.sign(ACCESS_TOKEN_TYP, &to_map(&at)?)?;
        if !g.scope.contains("openid") {
            return Ok((access_token, None));
        }
        let alg = self
            .jws
            .active_algorithm()
            .ok_or(CryptoError::NoActiveKey)?;
        let email = g.scope.contains("email");
        let id = IdTokenClaims {
            iss: self.settings.issuer.clone(),
            sub: g.user.id.to_string(),
            aud: g.client.id.to_string(),
            exp: now.plus(lifetimes.id_token).as_secs(),
            iat: now.as_secs(),
            auth_time: g.auth_time.as_secs(),
            nonce: g.nonce.map(|n| n.as_str().to_owned()),
            at_hash: Some(half_hash(alg, &access_token)),
            azp: g.client.id.to_string(),
            email: email.then(|| g.user.email.to_string()),
            email_verified: email.then_some(g.user.email_verified),
            name: if g.scope.contains("profile") {
                g.user.name.clone()
            } else {
                None
            },
        };
        let id_token = self.jws.sign(ID_TOKEN_TYP, &to_map(&id)?)?;
        Ok((access_token, Some(id_token)))
    }

    /// A fresh refresh token for a new family, stored before it is returned.
    pub async fn first_refresh_token(&self, g: &Grant<'_>) -> Result<SecretString, TokenError> {
        let now = self.clock.now();
        let lifetimes = &self.settings.lifetimes;
        let (token, rt) = self.mint_refresh(g, now.plus(lifetimes.refresh_absolute), now);
        self.refresh_tokens.insert(&rt).await?;
        Ok(token)
    }

    /// A successor link for a family (stored by the caller's atomic rotation).
    pub fn successor(
        &self,
        g: &Grant<'_>,
        family_expires_at: UnixTime,
    ) -> (SecretString, RefreshToken) {
        self.mint_refresh(g, family_expires_at, self.clock.now())
    }

    fn mint_refresh(
        &self,
        g: &Grant<'_>,
        family_expires_at: UnixTime,
        now: UnixTime,
    ) -> (SecretString, RefreshToken) {
        let token = random_token(self.rng.as_ref(), 32);
        let rt = RefreshToken {
            digest: TokenDigest::of(&token),
            family_id: g.grant_id.to_owned(),
            client_id: g.client.id.clone(),
            user_id: g.user.id.clone(),
            scope: g.grant_scope.clone(),
            expires_at: now
                .plus(self.settings.lifetimes.refresh_idle)
                .min(family_expires_at),
            family_expires_at,
            auth_time: g.auth_time,
        };
        (SecretString::from(token), rt)
    }
}

fn to_map<T: serde::Serialize>(
    v: &T,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(CryptoError::Backend("claims did not serialise".into()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockJwsEngine, MockRefreshTokenRepository};
    use crate::services::test_support::{
        self as ts, Recorder, Signed, CLIENT_ID, ISS, SIGNED_AT, SIGNED_ID, USER_ID,
    };
    use crate::RepositoryError;
    use secrecy::ExposeSecret;
    use tessera_domain::{GrantType, SigningAlgorithm};

    const NOW: i64 = 60_000;
    const AUTH_TIME: i64 = NOW - 120;

    fn issuer_with(
        jws: MockJwsEngine,
        refresh_tokens: MockRefreshTokenRepository,
    ) -> UserTokenIssuer {
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
        let g = Grant {
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
        let g = Grant {
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
        let g = Grant {
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
            .returning(|_, _| Err(CryptoError::Backend("hsm down".into())));
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
    ) -> Grant<'a> {
        Grant {
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
        assert_eq!(rt.family_id, "g-1");
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
        assert_eq!(rt.family_id, "g-1");
        assert_eq!(rt.expires_at, UnixTime::from_secs(NOW + idle));
        assert_eq!(rt.family_expires_at, far);

        let near = UnixTime::from_secs(NOW + 60);
        let (other, rt) = i.successor(&g, near);
        assert_eq!(rt.expires_at, near);
        assert_eq!(rt.family_expires_at, near);
        assert_ne!(token.expose_secret(), other.expose_secret());
    }
}
