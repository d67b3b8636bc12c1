use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{Clock, MockAuditLog, ResourceRepository, SecondFactorRepository, StoredTotp};
use crate::services::test_support::{self as ts, assert_token_error, CLIENT_ID, ISS, SIGNED_AT};
use crate::{IssuerSettings, OAuthErrorCode, RequestContext};
use secrecy::ExposeSecret;
use std::sync::atomic::{AtomicI64, Ordering};
use tessera_domain::{
    AuthMethod, AuthMethods, BrowserSession, Resource, ResourceIdentifier, SigningAlgorithm,
    UnixTime,
};

const START: i64 = 100_000;

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}

struct Fixture {
    store: Arc<InMemoryStore>,
    clock: Arc<TestClock>,
    flow: DeviceFlow,
    client: Client,
}

impl Fixture {
    fn at(&self, secs: i64) -> UnixTime {
        self.clock.0.store(START + secs, Ordering::SeqCst);
        UnixTime::from_secs(START + secs)
    }

    fn ctx(&self) -> RequestContext {
        RequestContext {
            ip: None,
            request_id: String::new(),
            now: self.clock.now(),
        }
    }
}

/// A public device client with the device and refresh grants, on an in-memory store holding
/// it, the user and one resource.
async fn fixture(configure: impl FnOnce(&mut Client, &mut DeviceFlowSettings)) -> Fixture {
    let store = Arc::new(InMemoryStore::new());
    let mut client = ts::client(true);
    client.grant_types = vec![GrantType::DeviceCode, GrantType::RefreshToken];
    client.scope = ts::scope("openid offline_access read write");
    let mut settings = DeviceFlowSettings::new(format!("{ISS}/device"));
    configure(&mut client, &mut settings);
    crate::ports::ClientRepository::insert(store.as_ref(), &client)
        .await
        .unwrap();
    crate::ports::UserRepository::insert(store.as_ref(), &ts::user())
        .await
        .unwrap();
    ResourceRepository::insert(
        store.as_ref(),
        &Resource {
            clients: Vec::new(),
            identifier: ResourceIdentifier::parse("https://api.example/").unwrap(),
            name: "Example API".into(),
            scope: ts::scope("read"),
            created_at: UnixTime::from_secs(0),
        },
    )
    .await
    .unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(START)));
    let (jws, _signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let rng = ts::counting_rng();
    let issuer = Arc::new(UserTokenIssuer::new(
        Arc::new(jws),
        store.clone(),
        clock.clone(),
        rng.clone(),
        IssuerSettings::new(ISS),
    ));
    let mut audit = MockAuditLog::new();
    audit.expect_record().return_const(());
    let flow = DeviceFlow::new(DeviceFlowDeps {
        devices: store.clone(),
        clients: store.clone(),
        users: store.clone(),
        factors: store.clone(),
        passkeys: store.clone(),
        resources: store.clone(),
        issuer,
        clock: clock.clone(),
        rng,
        audit: Arc::new(audit),
        settings,
    });
    Fixture {
        store,
        clock,
        flow,
        client,
    }
}

fn session(amr: AuthMethods) -> BrowserSession {
    BrowserSession {
        sid: "sid-1".to_owned(),
        amr,
        ..ts::session(START - 10)
    }
}

#[tokio::test]
async fn start_answers_rfc_8628_fields_and_stores_only_digests() {
    let f = fixture(|_, _| {}).await;
    let s = f
        .flow
        .start(&f.client, Some("openid read"), &["https://api.example/"])
        .await
        .unwrap();
    assert_eq!(s.verification_uri, format!("{ISS}/device"));
    assert_eq!(
        s.verification_uri_complete,
        format!("{ISS}/device?user_code={}", s.user_code.display())
    );
    assert_eq!((s.expires_in, s.interval), (600, 5));
    assert_eq!(s.user_code.display().len(), 9);
    let stored = f
        .flow
        .pending(&s.user_code.display().to_lowercase())
        .await
        .unwrap();
    assert_eq!(stored.scope, ts::scope("openid read"));
    assert_eq!(stored.resources.identifiers().len(), 1);
    let by_device = crate::ports::DeviceAuthorizationRepository::find_by_device_code(
        f.store.as_ref(),
        &TokenDigest::of(s.device_code.expose_secret()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(by_device.user_code, s.user_code.digest());
}

#[tokio::test]
async fn start_without_scope_grants_the_clients_scope() {
    let f = fixture(|_, _| {}).await;
    let s = f.flow.start(&f.client, None, &[]).await.unwrap();
    let p = f.flow.pending(s.user_code.as_str()).await.unwrap();
    assert_eq!(p.scope, f.client.scope);
}

#[tokio::test]
async fn start_refuses_clients_without_the_grant_wider_scopes_and_unknown_resources() {
    let f = fixture(|c, _| c.grant_types = vec![GrantType::AuthorizationCode]).await;
    let r = f.flow.start(&f.client, None, &[]).await;
    assert_token_error(r, OAuthErrorCode::UnauthorizedClient);
    let f = fixture(|_, _| {}).await;
    let r = f.flow.start(&f.client, Some("admin"), &[]).await;
    assert_token_error(r, OAuthErrorCode::InvalidScope);
    let r = f.flow.start(&f.client, Some("bad\"scope"), &[]).await;
    assert_token_error(r, OAuthErrorCode::InvalidScope);
    let r = f
        .flow
        .start(&f.client, None, &["https://unknown.example/"])
        .await;
    assert_token_error(r, OAuthErrorCode::InvalidTarget);
}

async fn started(f: &Fixture, resources: &[&str]) -> DeviceStart {
    f.flow
        .start(
            &f.client,
            Some("openid offline_access read write"),
            resources,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn polling_before_an_answer_is_authorization_pending() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    let r = f.flow.poll(&f.client, s.device_code.expose_secret()).await;
    assert_token_error(r, OAuthErrorCode::AuthorizationPending);
}

#[tokio::test]
async fn polling_too_fast_is_slow_down_and_the_interval_grows_by_five_seconds() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    let code = s.device_code.expose_secret();
    assert_token_error(
        f.flow.poll(&f.client, code).await,
        OAuthErrorCode::AuthorizationPending,
    );
    f.at(4);
    assert_token_error(f.flow.poll(&f.client, code).await, OAuthErrorCode::SlowDown);
    // The interval is now 10 s from the last poll: 9 s later is still too soon.
    f.at(13);
    assert_token_error(f.flow.poll(&f.client, code).await, OAuthErrorCode::SlowDown);
    f.at(13 + 15);
    assert_token_error(
        f.flow.poll(&f.client, code).await,
        OAuthErrorCode::AuthorizationPending,
    );
    let stored = crate::ports::DeviceAuthorizationRepository::find_by_device_code(
        f.store.as_ref(),
        &TokenDigest::of(code),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stored.interval, 15);
}

#[tokio::test]
async fn a_denied_authorization_is_access_denied() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    f.flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            false,
        )
        .await
        .unwrap();
    let r = f.flow.poll(&f.client, s.device_code.expose_secret()).await;
    assert_token_error(r, OAuthErrorCode::AccessDenied);
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token_and_cannot_be_approved() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    f.at(600);
    let r = f
        .flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            true,
        )
        .await;
    assert!(matches!(r, Err(DeviceError::UnknownCode)), "{r:?}");
    let r = f.flow.poll(&f.client, s.device_code.expose_secret()).await;
    assert_token_error(r, OAuthErrorCode::ExpiredToken);
}

#[tokio::test]
async fn unknown_foreign_and_used_device_codes_are_invalid_grant() {
    let f = fixture(|_, _| {}).await;
    assert_token_error(
        f.flow.poll(&f.client, "no-such-code").await,
        OAuthErrorCode::InvalidGrant,
    );
    let s = started(&f, &[]).await;
    let mut other = f.client.clone();
    other.id = tessera_domain::ClientId::parse("other").unwrap();
    assert_token_error(
        f.flow.poll(&other, s.device_code.expose_secret()).await,
        OAuthErrorCode::InvalidGrant,
    );
    f.flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            true,
        )
        .await
        .unwrap();
    f.flow
        .poll(&f.client, s.device_code.expose_secret())
        .await
        .unwrap();
    f.at(60);
    assert_token_error(
        f.flow.poll(&f.client, s.device_code.expose_secret()).await,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn a_client_without_the_grant_cannot_poll() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    let mut narrowed = f.client.clone();
    narrowed.grant_types = vec![GrantType::RefreshToken];
    let r = f.flow.poll(&narrowed, s.device_code.expose_secret()).await;
    assert_token_error(r, OAuthErrorCode::UnauthorizedClient);
}

#[tokio::test]
async fn an_approved_authorization_gives_access_id_and_refresh_tokens_once() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &[]).await;
    let approved = f
        .flow
        .answer(
            &f.ctx(),
            &s.user_code.display(),
            &session(AuthMethods::password()),
            true,
        )
        .await
        .unwrap();
    assert_eq!(approved.client.id.as_str(), CLIENT_ID);
    // A second answer finds nothing pending.
    let again = f
        .flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            false,
        )
        .await;
    assert!(matches!(again, Err(DeviceError::UnknownCode)));
    let tokens = f
        .flow
        .poll(&f.client, s.device_code.expose_secret())
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), SIGNED_AT);
    assert!(tokens.id_token.is_some());
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.scope, ts::scope("openid offline_access read write"));
}

#[tokio::test]
async fn resources_named_at_the_start_cut_the_scope() {
    let f = fixture(|_, _| {}).await;
    let s = started(&f, &["https://api.example/"]).await;
    f.flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            true,
        )
        .await
        .unwrap();
    let tokens = f
        .flow
        .poll(&f.client, s.device_code.expose_secret())
        .await
        .unwrap();
    assert_eq!(tokens.scope, ts::scope("read"));
}

#[tokio::test]
async fn bad_and_unknown_user_codes_are_unknown() {
    let f = fixture(|_, _| {}).await;
    for typed in ["", "AAAA-AAAA", "BCDF-GHJK", "not a code at all"] {
        let r = f.flow.pending(typed).await;
        assert!(matches!(r, Err(DeviceError::UnknownCode)), "{typed}: {r:?}");
    }
}

#[tokio::test]
async fn an_account_with_totp_must_have_used_its_second_factor_to_approve() {
    let f = fixture(|_, _| {}).await;
    SecondFactorRepository::put_unconfirmed_totp(
        f.store.as_ref(),
        &StoredTotp {
            user_id: ts::user().id,
            secret_ciphertext: vec![1; 40],
            confirmed: false,
            last_step: None,
            created_at: UnixTime::from_secs(0),
        },
    )
    .await
    .unwrap();
    SecondFactorRepository::confirm_totp(
        f.store.as_ref(),
        &ts::user().id,
        1,
        &[],
        UnixTime::from_secs(0),
    )
    .await
    .unwrap();
    let s = started(&f, &[]).await;
    let r = f
        .flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            true,
        )
        .await;
    assert!(matches!(r, Err(DeviceError::SignInRequired)), "{r:?}");
    let with_totp = AuthMethods::password().with(AuthMethod::OneTimePassword);
    f.flow
        .answer(&f.ctx(), s.user_code.as_str(), &session(with_totp), true)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_client_that_requires_mfa_needs_a_second_factor_even_without_one_enrolled() {
    let f = fixture(|c, _| c.require_mfa = true).await;
    let s = started(&f, &[]).await;
    let p = f.flow.pending(s.user_code.as_str()).await.unwrap();
    assert_eq!(
        f.flow.required_level(&p, &ts::user().id).await.unwrap(),
        Some(Acr::MultiFactor)
    );
    let r = f
        .flow
        .answer(
            &f.ctx(),
            s.user_code.as_str(),
            &session(AuthMethods::password()),
            true,
        )
        .await;
    assert!(matches!(r, Err(DeviceError::SignInRequired)), "{r:?}");
}

#[tokio::test]
async fn with_second_factors_off_an_enrolled_factor_is_not_asked_for() {
    let f = fixture(|_, s| s.second_factors = false).await;
    let s = started(&f, &[]).await;
    let p = f.flow.pending(s.user_code.as_str()).await.unwrap();
    assert_eq!(
        f.flow.required_level(&p, &ts::user().id).await.unwrap(),
        None
    );
}
