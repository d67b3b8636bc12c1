use super::*;
use crate::errors::CryptoError;
use crate::ports::{
    MockJwsEngine, MockKeyCipher, MockRefreshTokenRepository, MockRevocationRepository,
    MockUserRepository, StoredRefreshToken,
};
use crate::services::test_support::{
    self as ts, Recorder, Signed, CLIENT_ID, ISS, SIGNED_AT, SIGNED_ID, USER_ID,
};
use crate::services::{ACCESS_TOKEN_TYP, ID_TOKEN_TYP};
use crate::OAuthErrorCode;
use crate::{IssuerSettings, RepositoryError};
use tessera_domain::{ClientId, RefreshToken, SigningAlgorithm, User};

const NOW: i64 = 100_000;
const TOKEN: &str = "rt-1";
const DAY: i64 = 86_400;

pub(super) fn stored() -> StoredRefreshToken {
    StoredRefreshToken {
        token: RefreshToken {
            dpop_jkt: None,
            resources: Vec::new(),
            amr: tessera_domain::AuthMethods::password(),
            digest: TokenDigest::of(TOKEN),
            grant_id: "fam-1".into(),
            client_id: ClientId::parse(CLIENT_ID).unwrap(),
            user_id: ts::user().id,
            scope: ts::scope("offline_access openid read"),
            expires_at: UnixTime::from_secs(NOW + DAY),
            family_expires_at: UnixTime::from_secs(NOW + 60 * DAY),
            auth_time: UnixTime::from_secs(NOW - 5_000),
        },
        used: false,
        used_at: None,
        replay: None,
        revoked: false,
    }
}

/// [`stored`], spent `ago` seconds before `NOW`, holding `replay`.
fn spent(ago: i64, replay: Option<Vec<u8>>) -> StoredRefreshToken {
    StoredRefreshToken {
        used: true,
        used_at: Some(UnixTime::from_secs(NOW - ago)),
        replay,
        ..stored()
    }
}

pub(super) struct Ports {
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
pub(super) fn refused(found: Option<StoredRefreshToken>) -> Ports {
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

/// The user is found and tokens are signed; `refresh_tokens` is used as given.
fn signing(refresh_tokens: MockRefreshTokenRepository) -> (Ports, Signed) {
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let p = Ports {
        refresh_tokens,
        revocations: MockRevocationRepository::new(),
        users: users_returning(Some(ts::user())),
        jws,
    };
    (p, signed)
}

/// The token is found, the user too, tokens are signed, and rotation records the successor
/// and answers `wins`.
pub(super) fn rotating(
    found: StoredRefreshToken,
    wins: bool,
) -> (Ports, Signed, Recorder<RefreshToken>) {
    let mut refresh_tokens = finding(Some(found));
    let successors = Recorder::default();
    let r = successors.clone();
    refresh_tokens
        .expect_rotate()
        .withf(|old, now, _, replay| {
            *old == TokenDigest::of(TOKEN) && *now == UnixTime::from_secs(NOW) && replay.is_none()
        })
        .times(1)
        .returning(move |_, _, s, _| {
            r.push(s.clone());
            Ok(wins)
        });
    let (p, signed) = signing(refresh_tokens);
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

pub(super) fn service(mut p: Ports) -> RefreshTokenGrant {
    // Unless a test says otherwise, no grant is on the denylist.
    p.revocations.expect_is_revoked().returning(|_| Ok(false));
    service_as_is(p)
}

fn service_as_is(p: Ports) -> RefreshTokenGrant {
    service_with(p, None)
}

fn service_with(p: Ports, grace: Option<RefreshGrace>) -> RefreshTokenGrant {
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
        grace,
    )
}

async fn refresh(p: Ports, scope: Option<&str>) -> Result<TokenSet, TokenError> {
    service(p).refresh(&ts::client(true), TOKEN, scope).await
}

fn assert_invalid_grant(r: Result<TokenSet, TokenError>) {
    ts::assert_token_error(r, OAuthErrorCode::InvalidGrant);
}

fn assert_invalid_scope(r: Result<TokenSet, TokenError>) {
    ts::assert_token_error(r, OAuthErrorCode::InvalidScope);
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
    // Nor does the grace window replay for it.
    let mut s = spent(1, Some(blob(&ts::scope("offline_access openid read"))));
    s.token.client_id = ClientId::parse("other-app").unwrap();
    let r = refresh_graced(refused(Some(s)), None, 30).await;
    assert_invalid_grant(r);
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
    assert_eq!(s.grant_id, "fam-1");
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
    assert!(
        matches!(&r, Err(e) if e.code() == OAuthErrorCode::UnauthorizedClient),
        "{r:?}"
    );
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
        .returning(|_, _, _, _| Err(RepositoryError::Unavailable));
    let r = refresh(p, None).await;
    assert!(matches!(r, Err(TokenError::Repository(_))), "{r:?}");
}

// ---- the grace window (R-10) ----

const GRACE: i64 = 30;
const WINNER_RT: &str = "winner-refresh-token";
const WINNER_AT: &str = "winner.access.token";
const WINNER_ID: &str = "winner.id.token";
const WINNER_EXPIRES_IN: i64 = 900;

/// A stand-in for AES-GCM that keeps its contract: `aad || "|" || plaintext`, and
/// decryption fails unless the same associated data is given.
fn fake_cipher() -> MockKeyCipher {
    let mut c = MockKeyCipher::new();
    c.expect_encrypt()
        .returning(|plain, aad| Ok([aad, b"|", plain].concat()));
    c.expect_decrypt().returning(|sealed, aad| {
        sealed
            .strip_prefix(aad)
            .and_then(|rest| rest.strip_prefix(b"|"))
            .map(|plain| SecretBox::new(Box::new(plain.to_vec())))
            .ok_or_else(|| CryptoError::decrypt("replay", None))
    });
    c
}

fn grace(window_secs: i64) -> RefreshGrace {
    RefreshGrace {
        window_secs,
        cipher: Arc::new(fake_cipher()),
    }
}

/// The replay a winning rotation of [`TOKEN`] kept, for an access token of `scope`.
fn blob(scope: &ScopeSet) -> Vec<u8> {
    let replay = Replay {
        refresh_token: WINNER_RT.into(),
        access_token: WINNER_AT.into(),
        id_token: Some(WINNER_ID.into()),
        scope: scope.to_string(),
        expires_in: WINNER_EXPIRES_IN,
    };
    seal(&grace(GRACE), &TokenDigest::of(TOKEN), &replay).unwrap()
}

fn full_blob() -> Vec<u8> {
    blob(&ts::scope("offline_access openid read"))
}

async fn refresh_graced(
    p: Ports,
    scope: Option<&str>,
    window_secs: i64,
) -> Result<TokenSet, TokenError> {
    let mut p = p;
    p.revocations.expect_is_revoked().returning(|_| Ok(false));
    service_with(p, Some(grace(window_secs)))
        .refresh(&ts::client(true), TOKEN, scope)
        .await
}

/// A spent token is found, its user is active, and claiming a replay answers `claimed`.
fn replaying(found: StoredRefreshToken, claimed: bool) -> Ports {
    let mut p = refused(Some(found));
    p.users = users_returning(Some(ts::user()));
    p.refresh_tokens
        .expect_claim_replay()
        .withf(|d, max| *d == TokenDigest::of(TOKEN) && *max == RefreshGrace::MAX_REPLAYS)
        .times(1)
        .returning(move |_, _| Ok(claimed));
    p
}

fn assert_winners_tokens(t: &TokenSet, age: i64) {
    assert_eq!(
        t.refresh_token.as_ref().map(|r| r.expose_secret()),
        Some(WINNER_RT)
    );
    assert_eq!(t.access_token.expose_secret(), WINNER_AT);
    assert_eq!(t.id_token.as_deref(), Some(WINNER_ID));
    assert_eq!(t.scope, ts::scope("offline_access openid read"));
    assert_eq!(
        t.expires_in,
        WINNER_EXPIRES_IN - age,
        "the same token, older"
    );
}

#[tokio::test]
async fn r_10_rotation_keeps_the_response_sealed_to_the_old_row() {
    let mut refresh_tokens = finding(Some(stored()));
    let kept: Recorder<Option<Vec<u8>>> = Recorder::default();
    let successors: Recorder<RefreshToken> = Recorder::default();
    let (k, r) = (kept.clone(), successors.clone());
    refresh_tokens
        .expect_rotate()
        .withf(|old, now, _, _| *old == TokenDigest::of(TOKEN) && *now == UnixTime::from_secs(NOW))
        .times(1)
        .returning(move |_, _, s, replay| {
            r.push(s.clone());
            k.push(replay);
            Ok(true)
        });
    let (p, _) = signing(refresh_tokens);
    let t = refresh_graced(p, None, GRACE).await.unwrap();
    let sealed = kept.only().expect("a replay is kept when the window is on");
    assert!(
        open(&grace(GRACE), &TokenDigest::of("another row"), &sealed).is_none(),
        "bound to the old row"
    );
    let replay = open(&grace(GRACE), &TokenDigest::of(TOKEN), &sealed).unwrap();
    let next = t.refresh_token.as_ref().unwrap().expose_secret();
    assert_eq!(replay.refresh_token, next);
    assert_eq!(successors.only().digest, TokenDigest::of(next));
    assert_eq!(replay.access_token, t.access_token.expose_secret());
    assert_eq!(replay.id_token, t.id_token);
    assert_eq!(replay.scope, t.scope.to_string());
    assert_eq!(replay.expires_in, t.expires_in);
}

#[tokio::test]
async fn r_10_grace_off_keeps_no_replay() {
    for g in [None, Some(grace(0))] {
        // `rotating` expects rotate with no replay.
        let (mut p, _, _) = rotating(stored(), true);
        p.revocations.expect_is_revoked().returning(|_| Ok(false));
        let r = service_with(p, g)
            .refresh(&ts::client(true), TOKEN, None)
            .await;
        r.unwrap();
    }
    // And a spent token holding a replay revokes the family when the window is off.
    let mut p = refused(Some(spent(1, Some(full_blob()))));
    expect_family_revoked(&mut p);
    assert_invalid_grant(refresh(p, None).await);
}

#[tokio::test]
async fn r_10_replay_within_the_window_returns_the_same_tokens() {
    for (ago, scope) in [
        (0, None),
        (5, Some("")),
        (GRACE, Some("read openid offline_access")),
    ] {
        let p = replaying(spent(ago, Some(full_blob())), true);
        let t = refresh_graced(p, scope, GRACE).await.unwrap();
        assert_winners_tokens(&t, ago);
    }
}

#[tokio::test]
async fn r_10_replay_of_a_narrowed_request_needs_the_same_narrowed_scope() {
    let s = spent(3, Some(blob(&ts::scope("read"))));
    let t = refresh_graced(replaying(s.clone(), true), Some("read"), GRACE)
        .await
        .unwrap();
    assert_eq!(t.scope, ts::scope("read"));
    // Another scope (or a bad one) is not a retry of that request: reuse.
    for other in [None, Some("openid"), Some("read  x"), Some("admin")] {
        let mut p = refused(Some(s.clone()));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh_graced(p, other, GRACE).await);
    }
}

#[tokio::test]
async fn r_10_reuse_after_the_window_revokes_the_family() {
    for ago in [GRACE + 1, GRACE + 3600, -1] {
        let mut p = refused(Some(spent(ago, Some(full_blob()))));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh_graced(p, None, GRACE).await);
    }
}

#[tokio::test]
async fn r_10_exhausted_replays_revoke_the_family() {
    let mut p = replaying(spent(1, Some(full_blob())), false);
    expect_family_revoked(&mut p);
    assert_invalid_grant(refresh_graced(p, None, GRACE).await);
}

#[tokio::test]
async fn r_10_spent_token_without_a_kept_replay_revokes_the_family() {
    // Rotated while the window was off: nothing to replay, so this is reuse.
    let mut p = refused(Some(spent(1, None)));
    expect_family_revoked(&mut p);
    assert_invalid_grant(refresh_graced(p, None, GRACE).await);
}

/// Replays that do not open: sealed for another row, not a ciphertext at all, and one
/// sealed under another key (as replays kept just before the upgrade that gave them their
/// own key are).
fn unopenable_replays() -> Vec<Vec<u8>> {
    let replay = Replay {
        refresh_token: WINNER_RT.into(),
        access_token: WINNER_AT.into(),
        id_token: None,
        scope: "offline_access openid read".into(),
        expires_in: WINNER_EXPIRES_IN,
    };
    let moved = seal(&grace(GRACE), &TokenDigest::of("another row"), &replay).unwrap();
    let mut other_key = MockKeyCipher::new();
    other_key
        .expect_encrypt()
        .returning(|plain, aad| Ok([b"other key|", aad, b"|", plain].concat()));
    let other = RefreshGrace {
        window_secs: GRACE,
        cipher: Arc::new(other_key),
    };
    let under_another_key = seal(&other, &TokenDigest::of(TOKEN), &replay).unwrap();
    vec![moved, b"garbage".to_vec(), under_another_key]
}

#[tokio::test]
async fn keys_a_retry_whose_replay_does_not_open_is_refused_without_revoking() {
    for sealed in unopenable_replays() {
        // Claims one of the bounded replays, then refuses: no 500, no revocation (the
        // mocks fail on any revoke_family or denylist write).
        let mut p = refused(Some(spent(1, Some(sealed))));
        p.refresh_tokens
            .expect_claim_replay()
            .withf(|d, max| *d == TokenDigest::of(TOKEN) && *max == RefreshGrace::MAX_REPLAYS)
            .times(1)
            .returning(|_, _| Ok(true));
        assert_invalid_grant(refresh_graced(p, None, GRACE).await);
    }
}

#[tokio::test]
async fn keys_unopenable_replays_past_the_bound_or_the_window_revoke_the_family() {
    for sealed in unopenable_replays() {
        let mut p = refused(Some(spent(1, Some(sealed.clone()))));
        p.refresh_tokens
            .expect_claim_replay()
            .times(1)
            .returning(|_, _| Ok(false));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh_graced(p, None, GRACE).await);

        let mut p = refused(Some(spent(GRACE + 1, Some(sealed))));
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh_graced(p, None, GRACE).await);
    }
}

#[tokio::test]
async fn r_10_revoked_family_or_denylisted_grant_never_replays() {
    let mut s = spent(1, Some(full_blob()));
    s.revoked = true;
    assert_invalid_grant(refresh_graced(refused(Some(s)), None, GRACE).await);

    let mut p = refused(Some(spent(1, Some(full_blob()))));
    p.revocations
        .expect_is_revoked()
        .withf(|k| k == "grant:fam-1")
        .returning(|_| Ok(true));
    let r = service_with(p, Some(grace(GRACE)))
        .refresh(&ts::client(true), TOKEN, None)
        .await;
    assert_invalid_grant(r);
}

#[tokio::test]
async fn r_10_replay_for_a_disabled_user_is_refused_without_claiming() {
    let mut p = refused(Some(spent(1, Some(full_blob()))));
    let mut disabled = ts::user();
    disabled.disabled = true;
    p.users = users_returning(Some(disabled));
    assert_invalid_grant(refresh_graced(p, None, GRACE).await);
}

/// Lost the rotation race; the row, found again, is as the winner left it.
fn losing_race(then: StoredRefreshToken) -> Ports {
    let mut refresh_tokens = MockRefreshTokenRepository::new();
    let mut finds = 0;
    refresh_tokens
        .expect_find()
        .withf(|d| *d == TokenDigest::of(TOKEN))
        .times(2)
        .returning(move |_| {
            finds += 1;
            Ok(Some(if finds == 1 { stored() } else { then.clone() }))
        });
    refresh_tokens
        .expect_rotate()
        .withf(|_, _, _, replay| replay.is_some())
        .times(1)
        .returning(|_, _, _, _| Ok(false));
    signing(refresh_tokens).0
}

#[tokio::test]
async fn r_10_lost_race_within_the_window_gets_the_winners_tokens() {
    let mut p = losing_race(spent(0, Some(full_blob())));
    p.refresh_tokens
        .expect_claim_replay()
        .times(1)
        .returning(|_, _| Ok(true));
    let t = refresh_graced(p, None, GRACE).await.unwrap();
    assert_winners_tokens(&t, 0);
}

#[tokio::test]
async fn r_10_lost_race_without_a_replay_revokes_the_family() {
    let mut revoked = stored();
    revoked.revoked = true;
    for then in [revoked, spent(0, None)] {
        let mut p = losing_race(then);
        expect_family_revoked(&mut p);
        assert_invalid_grant(refresh_graced(p, None, GRACE).await);
    }
}

#[tokio::test]
async fn r_10_lost_race_to_a_rotation_whose_grant_was_revoked_meanwhile_never_replays() {
    let mut p = losing_race(spent(0, Some(full_blob())));
    let mut checks = 0;
    p.revocations
        .expect_is_revoked()
        .withf(|k| k == "grant:fam-1")
        .times(2)
        .returning(move |_| {
            checks += 1;
            Ok(checks > 1)
        });
    expect_family_revoked(&mut p);
    let r = service_with(p, Some(grace(GRACE)))
        .refresh(&ts::client(true), TOKEN, None)
        .await;
    assert_invalid_grant(r);
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
