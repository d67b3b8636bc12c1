use crate::ports::{Clock, RefreshTokenRepository, RevocationRepository, UserRepository};
use crate::services::code_grant::revoke_grant;
use crate::services::user_tokens::{Grant, TokenSet, UserTokenIssuer};
use crate::services::TokenError;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{Client, GrantType, ScopeSet, TokenDigest};

/// The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
pub struct RefreshTokenGrant {
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    revocations: Arc<dyn RevocationRepository>,
    users: Arc<dyn UserRepository>,
    issuer: Arc<UserTokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl RefreshTokenGrant {
    /// Builds the service.
    pub fn new(
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        revocations: Arc<dyn RevocationRepository>,
        users: Arc<dyn UserRepository>,
        issuer: Arc<UserTokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            refresh_tokens,
            revocations,
            users,
            issuer,
            clock,
        }
    }

    /// Rotates `token`: the old link is spent by one atomic statement and a successor issued.
    /// Presenting a spent link again, or losing a race for it, revokes the whole family.
    pub async fn refresh(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        client.ensure_grant(GrantType::RefreshToken)?;
        let now = self.clock.now();
        let invalid = |m: &str| TokenError::InvalidGrant(m.to_owned());
        let digest = TokenDigest::of(token);
        let stored = self
            .refresh_tokens
            .find(&digest)
            .await?
            .ok_or_else(|| invalid("the refresh token is not valid"))?;
        let rt = &stored.token;
        if rt.client_id != client.id {
            return Err(invalid("the refresh token was issued to another client"));
        }
        // The grant's denylist entry also counts: a code reuse may revoke the grant before the
        // first redemption has stored its refresh token.
        let grant_key = super::code_grant::grant_revocation_key(&rt.family_id);
        if stored.revoked || self.revocations.is_revoked(&grant_key).await? {
            return Err(invalid("the refresh token was revoked"));
        }
        if stored.used {
            self.revoke_family(&rt.family_id, rt.family_expires_at)
                .await?;
            log::warn!("refresh token reused: family {} revoked", rt.family_id);
            return Err(invalid("the refresh token was already used"));
        }
        if rt.is_expired(now) {
            return Err(invalid("the refresh token has expired"));
        }
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
        let access_scope = rt
            .scope
            .narrow_to(requested.as_ref())
            .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
        let user = self
            .users
            .find(&rt.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| invalid("the user is no longer active"))?;
        let grant = Grant {
            client,
            user: &user,
            grant_id: &rt.family_id,
            scope: &access_scope,
            grant_scope: &rt.scope,
            auth_time: rt.auth_time,
            nonce: None,
        };
        // Sign before spending the old link: a signing failure after rotation would leave the
        // client without the successor, and its retry with the old link would look like reuse
        // and revoke the whole family. Signing has no side effects, so a lost race just
        // discards these tokens.
        let (access_token, id_token) = self.issuer.sign(&grant)?;
        let (next, successor) = self.issuer.successor(&grant, rt.family_expires_at);
        if !self.refresh_tokens.rotate(&digest, now, &successor).await? {
            self.revoke_family(&rt.family_id, rt.family_expires_at)
                .await?;
            log::warn!("refresh token raced: family {} revoked", rt.family_id);
            return Err(invalid("the refresh token was already used"));
        }
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in: self.issuer.settings().lifetimes.access_token,
            scope: access_scope,
            refresh_token: Some(next),
            id_token,
        })
    }

    async fn revoke_family(
        &self,
        family: &str,
        until: tessera_domain::UnixTime,
    ) -> Result<(), TokenError> {
        revoke_grant(
            family,
            until,
            self.refresh_tokens.as_ref(),
            self.revocations.as_ref(),
        )
        .await
    }

    /// Revokes the family of `token` if it belongs to `caller` (RFC 7009 for refresh tokens).
    /// Returns false when the token is not a known refresh token.
    pub async fn revoke(&self, caller: &Client, token: &str) -> Result<bool, TokenError> {
        let Some(stored) = self.refresh_tokens.find(&TokenDigest::of(token)).await? else {
            return Ok(false);
        };
        if stored.token.client_id != caller.id {
            return Err(TokenError::UnauthorizedClient(
                "the token was not issued to this client".into(),
            ));
        }
        self.revoke_family(&stored.token.family_id, stored.token.family_expires_at)
            .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::CryptoError;
    use crate::ports::{
        MockJwsEngine, MockRefreshTokenRepository, MockRevocationRepository, MockUserRepository,
        StoredRefreshToken,
    };
    use crate::services::test_support::{
        self as ts, Recorder, Signed, CLIENT_ID, ISS, SIGNED_AT, SIGNED_ID, USER_ID,
    };
    use crate::services::{ACCESS_TOKEN_TYP, ID_TOKEN_TYP};
    use crate::{IssuerSettings, RepositoryError};
    use secrecy::ExposeSecret;
    use tessera_domain::{ClientId, RefreshToken, SigningAlgorithm, UnixTime, User};

    const NOW: i64 = 100_000;
    const TOKEN: &str = "rt-1";
    const DAY: i64 = 86_400;

    fn stored() -> StoredRefreshToken {
        StoredRefreshToken {
            token: RefreshToken {
                digest: TokenDigest::of(TOKEN),
                family_id: "fam-1".into(),
                client_id: ClientId::parse(CLIENT_ID).unwrap(),
                user_id: ts::user().id,
                scope: ts::scope("offline_access openid read"),
                expires_at: UnixTime::from_secs(NOW + DAY),
                family_expires_at: UnixTime::from_secs(NOW + 60 * DAY),
                auth_time: UnixTime::from_secs(NOW - 5_000),
            },
            used: false,
            revoked: false,
        }
    }

    struct Ports {
        refresh_tokens: MockRefreshTokenRepository,
        revocations: MockRevocationRepository,
        users: MockUserRepository,
        jws: MockJwsEngine,
    }

    fn finding(found: Option<StoredRefreshToken>) -> MockRefreshTokenRepository {
        let mut m = MockRefreshTokenRepository::new();
        m.expect_find()
            .withf(|d| *d == TokenDigest::of(TOKEN))
            .returning(move |_| Ok(found.clone()));
        m
    }

    /// The token is found; nothing else may happen.
    fn refused(found: Option<StoredRefreshToken>) -> Ports {
        Ports {
            refresh_tokens: finding(found),
            revocations: MockRevocationRepository::new(),
            users: MockUserRepository::new(),
            jws: MockJwsEngine::new(),
        }
    }

    fn users_returning(user: Option<User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users
            .expect_find()
            .withf(|id| id.as_str() == USER_ID)
            .returning(move |_| Ok(user.clone()));
        users
    }

    /// The token is found, the user too, tokens are signed, and rotation records the successor
    /// and answers `wins`.
    fn rotating(found: StoredRefreshToken, wins: bool) -> (Ports, Signed, Recorder<RefreshToken>) {
        let mut refresh_tokens = finding(Some(found));
        let successors = Recorder::default();
        let r = successors.clone();
        refresh_tokens
            .expect_rotate()
            .withf(|old, now, _| *old == TokenDigest::of(TOKEN) && *now == UnixTime::from_secs(NOW))
            .times(1)
            .returning(move |_, _, s| {
                r.push(s.clone());
                Ok(wins)
            });
        let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
        let p = Ports {
            refresh_tokens,
            revocations: MockRevocationRepository::new(),
            users: users_returning(Some(ts::user())),
            jws,
        };
        (p, signed, successors)
    }

    /// Expects the whole family to be revoked: its refresh tokens and, through the denylist,
    /// its access tokens, until the family would have expired anyway.
    fn expect_family_revoked(p: &mut Ports) {
        p.refresh_tokens
            .expect_revoke_family()
            .withf(|f| f == "fam-1")
            .times(1)
            .returning(|_| Ok(3));
        let until = stored().token.family_expires_at;
        p.revocations
            .expect_revoke()
            .withf(move |key, t| key == "grant:fam-1" && *t == until)
            .times(1)
            .returning(|_, _| Ok(()));
    }

    fn service(mut p: Ports) -> RefreshTokenGrant {
        // Unless a test says otherwise, no grant is on the denylist.
        p.revocations.expect_is_revoked().returning(|_| Ok(false));
        service_as_is(p)
    }

    fn service_as_is(p: Ports) -> RefreshTokenGrant {
        let refresh_tokens: Arc<dyn RefreshTokenRepository> = Arc::new(p.refresh_tokens);
        let issuer = Arc::new(UserTokenIssuer::new(
            Arc::new(p.jws),
            refresh_tokens.clone(),
            ts::clock_at(NOW),
            ts::counting_rng(),
            IssuerSettings::new(ISS),
        ));
        RefreshTokenGrant::new(
            refresh_tokens,
            Arc::new(p.revocations),
            Arc::new(p.users),
            issuer,
            ts::clock_at(NOW),
        )
    }

    async fn refresh(p: Ports, scope: Option<&str>) -> Result<TokenSet, TokenError> {
        service(p).refresh(&ts::client(true), TOKEN, scope).await
    }

    fn assert_invalid_grant(r: Result<TokenSet, TokenError>) {
        assert!(
            matches!(r, Err(TokenError::InvalidGrant(_))),
            "expected invalid_grant, got {r:?}"
        );
    }

    fn assert_invalid_scope(r: Result<TokenSet, TokenError>) {
        assert!(
            matches!(r, Err(TokenError::InvalidScope(_))),
            "expected invalid_scope, got {r:?}"
        );
    }

    #[tokio::test]
    async fn unknown_refresh_token_is_invalid_grant() {
        assert_invalid_grant(refresh(refused(None), None).await);
    }

    #[tokio::test]
    async fn as_22_refresh_token_of_another_client_is_invalid_grant_and_revokes_nothing() {
        let mut s = stored();
        s.token.client_id = ClientId::parse("other-app").unwrap();
        for used in [false, true] {
            let mut s = s.clone();
            s.used = used;
            assert_invalid_grant(refresh(refused(Some(s)), None).await);
        }
    }

    #[tokio::test]
    async fn refresh_token_of_a_revoked_family_is_invalid_grant() {
        let mut s = stored();
        s.revoked = true;
        assert_invalid_grant(refresh(refused(Some(s)), None).await);
    }

    #[tokio::test]
    async fn as_16_grant_revoked_by_code_reuse_refuses_its_refresh_token_without_rotation() {
        let mut p = refused(Some(stored()));
        p.revocations
            .expect_is_revoked()
            .withf(|k| k.starts_with("grant:"))
            .returning(|_| Ok(true));
        let r = service_as_is(p)
            .refresh(&ts::client(true), TOKEN, None)
            .await;
        assert_invalid_grant(r);
    }

    #[tokio::test]
    async fn as_21_reused_refresh_token_revokes_the_whole_family() {
        let mut s = stored();
        s.used = true;
        let mut p = refused(Some(s));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh(p, None).await);
    }

    #[tokio::test]
    async fn as_21_reuse_is_detected_even_after_expiry() {
        let mut s = stored();
        s.used = true;
        s.token.expires_at = UnixTime::from_secs(NOW - 1);
        let mut p = refused(Some(s));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh(p, None).await);
    }

    #[tokio::test]
    async fn as_24_idle_expired_refresh_token_is_invalid_grant() {
        for at in [NOW, NOW - 1] {
            let mut s = stored();
            s.token.expires_at = UnixTime::from_secs(at);
            assert_invalid_grant(refresh(refused(Some(s)), None).await);
        }
    }

    #[tokio::test]
    async fn as_24_refresh_token_past_the_family_absolute_expiry_is_invalid_grant() {
        let mut s = stored();
        // The link itself still looks fresh, but the family's absolute lifetime is over.
        s.token.expires_at = UnixTime::from_secs(NOW + DAY);
        s.token.family_expires_at = UnixTime::from_secs(NOW);
        assert_invalid_grant(refresh(refused(Some(s)), None).await);
    }

    #[tokio::test]
    async fn as_23_widening_the_scope_is_invalid_scope() {
        for scope in ["openid read admin", "profile", "email offline_access"] {
            let mut p = refused(Some(stored()));
            p.users = MockUserRepository::new();
            assert_invalid_scope(refresh(p, Some(scope)).await);
        }
    }

    #[tokio::test]
    async fn malformed_scope_is_invalid_scope() {
        for scope in ["read  openid", "a\"b"] {
            assert_invalid_scope(refresh(refused(Some(stored())), Some(scope)).await);
        }
    }

    #[tokio::test]
    async fn as_23_narrowing_the_scope_is_allowed_and_the_family_keeps_its_scope() {
        let (p, signed, successors) = rotating(stored(), true);
        let t = refresh(p, Some("read")).await.unwrap();
        assert_eq!(t.scope, ts::scope("read"));
        assert_eq!(t.id_token, None, "no openid in the narrowed scope");
        assert_eq!(ts::signed_with(&signed, ACCESS_TOKEN_TYP)["scope"], "read");
        // The next refresh may ask for the original scope again (RFC 6749 §6).
        assert_eq!(
            successors.only().scope,
            ts::scope("offline_access openid read")
        );
    }

    #[tokio::test]
    async fn omitted_or_empty_scope_keeps_the_grant_scope() {
        for scope in [None, Some("")] {
            let (p, _, _) = rotating(stored(), true);
            let t = refresh(p, scope).await.unwrap();
            assert_eq!(t.scope, ts::scope("offline_access openid read"));
        }
    }

    #[tokio::test]
    async fn r_06_lost_rotation_race_revokes_the_family_and_is_invalid_grant() {
        let (mut p, _, _) = rotating(stored(), false);
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh(p, None).await);
    }

    #[tokio::test]
    async fn as_21_success_rotates_to_a_successor_in_the_same_family() {
        let (p, signed, successors) = rotating(stored(), true);
        let t = refresh(p, None).await.unwrap();
        let next = t.refresh_token.expect("a successor refresh token");
        assert_ne!(next.expose_secret(), TOKEN);
        let s = successors.only();
        assert_eq!(s.digest, TokenDigest::of(next.expose_secret()));
        assert_eq!(s.family_id, "fam-1");
        assert_eq!(s.client_id.as_str(), CLIENT_ID);
        assert_eq!(s.user_id.as_str(), USER_ID);
        assert_eq!(s.auth_time, UnixTime::from_secs(NOW - 5_000));
        assert_eq!(s.family_expires_at, UnixTime::from_secs(NOW + 60 * DAY));
        let idle = IssuerSettings::new(ISS).lifetimes.refresh_idle;
        assert_eq!(s.expires_at, UnixTime::from_secs(NOW + idle));

        assert_eq!(t.access_token.expose_secret(), SIGNED_AT);
        assert_eq!(t.id_token.as_deref(), Some(SIGNED_ID));
        assert_eq!(
            t.expires_in,
            IssuerSettings::new(ISS).lifetimes.access_token
        );
        let at = ts::signed_with(&signed, ACCESS_TOKEN_TYP);
        assert_eq!(at["gid"], "fam-1");
        assert_eq!(at["auth_time"], NOW - 5_000);
        assert_eq!(at["client_id"], CLIENT_ID);
        let id = ts::signed_with(&signed, ID_TOKEN_TYP);
        assert!(id.get("nonce").is_none(), "no nonce on refreshed ID tokens");
        assert_eq!(id["auth_time"], NOW - 5_000);
    }

    #[tokio::test]
    async fn as_24_successor_expiry_is_capped_by_the_family_absolute_expiry() {
        let mut s = stored();
        s.token.family_expires_at = UnixTime::from_secs(NOW + 3 * DAY);
        let (p, _, successors) = rotating(s, true);
        refresh(p, None).await.unwrap();
        let next = successors.only();
        assert_eq!(next.expires_at, UnixTime::from_secs(NOW + 3 * DAY));
        assert_eq!(next.family_expires_at, UnixTime::from_secs(NOW + 3 * DAY));
    }

    #[tokio::test]
    async fn disabled_or_deleted_user_is_invalid_grant_and_the_token_is_not_spent() {
        let mut disabled = ts::user();
        disabled.disabled = true;
        for user in [Some(disabled), None] {
            let mut p = refused(Some(stored()));
            p.users = users_returning(user);
            assert_invalid_grant(refresh(p, None).await);
        }
    }

    #[tokio::test]
    async fn client_without_the_refresh_grant_is_unauthorized_client() {
        let mut client = ts::client(true);
        client.grant_types = vec![tessera_domain::GrantType::AuthorizationCode];
        let p = Ports {
            refresh_tokens: MockRefreshTokenRepository::new(),
            revocations: MockRevocationRepository::new(),
            users: MockUserRepository::new(),
            jws: MockJwsEngine::new(),
        };
        let r = service(p).refresh(&client, TOKEN, None).await;
        assert!(matches!(r, Err(TokenError::UnauthorizedClient(_))), "{r:?}");
    }

    #[tokio::test]
    async fn signing_failure_does_not_spend_the_refresh_token() {
        // If the token were rotated before signing failed, the client (which never received
        // the successor) would retry with the old token, be taken for a replay, and lose the
        // whole family. rotate is not expected, so the strict mock fails the test if called.
        let mut p = refused(Some(stored()));
        p.users = users_returning(Some(ts::user()));
        p.jws
            .expect_sign()
            .returning(|_, _| Err(CryptoError::NoActiveKey));
        let r = refresh(p, None).await;
        assert!(matches!(r, Err(TokenError::Crypto(_))), "{r:?}");
    }

    #[tokio::test]
    async fn rotation_failure_is_a_server_fault() {
        let mut p = refused(Some(stored()));
        p.users = users_returning(Some(ts::user()));
        p.jws = ts::recording_jws(SigningAlgorithm::Rs256).0;
        p.refresh_tokens
            .expect_rotate()
            .returning(|_, _, _| Err(RepositoryError::Unavailable));
        let r = refresh(p, None).await;
        assert!(matches!(r, Err(TokenError::Repository(_))), "{r:?}");
    }

    // ---- revoke (RFC 7009) ----

    #[tokio::test]
    async fn revoking_an_unknown_token_reports_false() {
        let r = service(refused(None))
            .revoke(&ts::client(true), TOKEN)
            .await;
        assert!(!r.unwrap());
    }

    #[tokio::test]
    async fn revoking_another_clients_token_is_refused_and_revokes_nothing() {
        let mut s = stored();
        s.token.client_id = ClientId::parse("other-app").unwrap();
        let r = service(refused(Some(s)))
            .revoke(&ts::client(true), TOKEN)
            .await;
        assert!(matches!(r, Err(TokenError::UnauthorizedClient(_))), "{r:?}");
    }

    #[tokio::test]
    async fn as_25_revoking_own_token_revokes_its_family() {
        let mut p = refused(Some(stored()));
        expect_family_revoked(&mut p);
        assert!(service(p).revoke(&ts::client(true), TOKEN).await.unwrap());
    }
}
