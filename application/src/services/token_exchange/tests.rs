use super::*;
use crate::errors::VerifyError;
use crate::in_memory::InMemoryStore;
use crate::ports::{
    KeyMaterial, MockJwsEngine, MockResourceRepository, MockRevocationRepository,
    ResourceRepository, RevocationRepository, VerifiedJws,
};
use crate::services::client_authentication::tests::confidential;
use crate::services::grant_revocation_key;
use crate::services::test_support::{assert_token_error, clock_at, counting_rng, ISS};
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use tessera_domain::{
    AuditEvent, Resource, ResourceIdentifier, SigningAlgorithm, TokenEndpointAuthMethod, UnixTime,
};

const NOW: i64 = 1_000;
const API: &str = "https://api.example/";
const MAIL: &str = "https://mail.example/";
const OTHER: &str = "https://other.example/";

/// A signing engine that really round-trips: `sign` keeps the claims under a fresh token,
/// `verify` gives them back, so issued tokens can be exchanged again (chains).
#[derive(Default)]
struct EchoJws {
    tokens: Mutex<HashMap<String, Map<String, Value>>>,
}

impl EchoJws {
    fn claims(&self, token: &str) -> Map<String, Value> {
        self.tokens.lock().unwrap()[token].clone()
    }
}

impl JwsEngine for EchoJws {
    fn install(&self, _: Vec<KeyMaterial>) -> Result<(), CryptoError> {
        Ok(())
    }
    fn sign(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, CryptoError> {
        assert_eq!(typ, ACCESS_TOKEN_TYP);
        let mut t = self.tokens.lock().unwrap();
        let token = format!("h.tok{}.s", t.len());
        t.insert(token.clone(), claims.clone());
        Ok(token)
    }
    fn verify(&self, token: &str, typ: &str, _: UnixTime) -> Result<VerifiedJws, VerifyError> {
        if typ != ACCESS_TOKEN_TYP {
            return Err(VerifyError::Malformed);
        }
        let claims = self.tokens.lock().unwrap().get(token).cloned();
        claims
            .map(|claims| VerifiedJws {
                claims,
                kid: "k".into(),
            })
            .ok_or(VerifyError::Malformed)
    }
    fn jwks(&self) -> String {
        String::new()
    }
    fn active_kid(&self) -> Option<String> {
        None
    }
    fn active_algorithm(&self) -> Option<SigningAlgorithm> {
        None
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<AuditEvent>>);

impl AuditLog for Events {
    fn record(&self, event: AuditEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Events {
    fn only(&self) -> AuditEvent {
        let all = self.0.lock().unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        all[0].clone()
    }
}

struct Fixture {
    jws: Arc<EchoJws>,
    store: Arc<InMemoryStore>,
    events: Arc<Events>,
    grant: TokenExchangeGrant,
}

fn fixture_with(
    revocations: Arc<dyn RevocationRepository>,
    resources: Arc<dyn ResourceRepository>,
) -> Fixture {
    let jws = Arc::new(EchoJws::default());
    let events = Arc::new(Events::default());
    let settings = IssuerSettings::new(ISS);
    let grant = TokenExchangeGrant::new(TokenExchangeDeps {
        verifier: AccessTokenVerifier::new(
            jws.clone(),
            revocations,
            clock_at(NOW),
            settings.clone(),
        ),
        indicators: ResourceIndicators::new(resources),
        jws: jws.clone(),
        clock: clock_at(NOW),
        rng: counting_rng(),
        audit: events.clone(),
        settings,
    });
    Fixture {
        jws,
        store: Arc::new(InMemoryStore::new()),
        events,
        grant,
    }
}

async fn fixture() -> Fixture {
    let store = Arc::new(InMemoryStore::new());
    for (id, scope) in [(API, "read write"), (MAIL, "mail.read"), (OTHER, "read")] {
        store
            .insert(&Resource {
                clients: Vec::new(),
                identifier: ResourceIdentifier::parse(id).unwrap(),
                name: id.into(),
                scope: ScopeSet::parse(scope).unwrap(),
                created_at: UnixTime::from_secs(0),
            })
            .await
            .unwrap();
    }
    let mut f = fixture_with(store.clone(), store.clone());
    f.store = store;
    f
}

/// The service client: confidential, holds the grant, may exchange for API and MAIL.
fn service() -> Client {
    let mut c = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    c.grant_types = vec![GrantType::TokenExchange];
    c.exchange_audiences = vec![
        ResourceIdentifier::parse(API).unwrap(),
        ResourceIdentifier::parse(MAIL).unwrap(),
    ];
    c
}

/// Puts a token of this issuer into the engine and returns it.
fn token(f: &Fixture, sub: &str, scope: &str, exp: i64, extra: Value) -> String {
    let mut claims = json!({
        "iss": ISS, "sub": sub, "aud": ISS, "exp": exp, "iat": NOW - 10,
        "jti": format!("jti-{sub}-{exp}"), "client_id": "web", "scope": scope,
        "auth_time": NOW - 100, "gid": "grant-1"
    });
    if let (Some(m), Value::Object(e)) = (claims.as_object_mut(), extra) {
        m.extend(e);
    }
    f.jws
        .sign(ACCESS_TOKEN_TYP, claims.as_object().unwrap())
        .unwrap()
}

fn user_token(f: &Fixture) -> String {
    token(
        f,
        "alice",
        "openid read write mail.read",
        NOW + 600,
        json!({}),
    )
}

fn req<'a>(subject: &'a str, resources: &'a [&'a str]) -> ExchangeRequest<'a> {
    ExchangeRequest {
        dpop_jkt: None,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
        actor_token: None,
        actor_token_type: None,
        resources,
        audiences: &[],
        scope: None,
        requested_token_type: None,
    }
}

fn api() -> Vec<&'static str> {
    vec![API]
}

async fn run(f: &Fixture, client: &Client, r: ExchangeRequest<'_>) -> Result<TokenSet, TokenError> {
    f.grant
        .exchange(
            &RequestContext::internal(UnixTime::from_secs(NOW)),
            client,
            r,
        )
        .await
}

#[tokio::test]
async fn impersonation_issues_a_token_for_the_target_about_the_subject() {
    let f = fixture().await;
    let subject = user_token(&f);
    let res = api();
    let t = run(&f, &service(), req(&subject, &res)).await.unwrap();
    let c = f.jws.claims(t.access_token.expose_secret());
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["client_id"], "svc");
    assert_eq!(c["aud"], API);
    assert_eq!(
        c["scope"], "read write",
        "the subject's scope cut to the API's"
    );
    assert_eq!(c["gid"], "grant-1");
    assert_eq!(c["auth_time"], NOW - 100);
    assert!(c.get("act").is_none(), "impersonation carries no act");
    assert_eq!(
        c["exp"],
        NOW + 600,
        "the subject's expiry bounds the lifetime"
    );
    assert_eq!(t.expires_in, 600);
    assert!(t.refresh_token.is_none() && t.id_token.is_none());
    let e = f.events.only();
    assert_eq!(e.action, AuditAction::TokenExchanged);
    assert_eq!(e.outcome, AuditOutcome::Success);
    assert_eq!(e.subject.as_deref(), Some("alice"));
    assert_eq!(e.client_id.as_deref(), Some("svc"));
    assert!(e.detail.as_deref().unwrap().contains(API));
}

#[tokio::test]
async fn lifetime_is_the_shorter_of_the_subjects_and_the_configured_one() {
    let f = fixture().await;
    let subject = token(&f, "alice", "read", NOW + 86_400, json!({}));
    let res = api();
    let t = run(&f, &service(), req(&subject, &res)).await.unwrap();
    let c = f.jws.claims(t.access_token.expose_secret());
    assert_eq!(c["exp"], NOW + 900);
    assert_eq!(t.expires_in, 900);
}

#[tokio::test]
async fn narrower_scope_and_audience_parameter_work() {
    let f = fixture().await;
    let subject = user_token(&f);
    let aud = vec![MAIL];
    let mut r = req(&subject, &[]);
    r.audiences = &aud;
    r.scope = Some("mail.read");
    let t = run(&f, &service(), r).await.unwrap();
    let c = f.jws.claims(t.access_token.expose_secret());
    assert_eq!(c["aud"], MAIL);
    assert_eq!(c["scope"], "mail.read");
}

#[tokio::test]
async fn several_targets_give_an_audience_array() {
    let f = fixture().await;
    let subject = user_token(&f);
    let res = api();
    let aud = vec![MAIL];
    let mut r = req(&subject, &res);
    r.audiences = &aud;
    let t = run(&f, &service(), r).await.unwrap();
    let c = f.jws.claims(t.access_token.expose_secret());
    assert_eq!(c["aud"], json!([API, MAIL]));
    assert_eq!(c["scope"], "mail.read read write");
}

#[tokio::test]
async fn wider_scope_than_the_subjects_is_invalid_scope_and_audited() {
    let f = fixture().await;
    let subject = token(&f, "alice", "read", NOW + 600, json!({}));
    let res = api();
    let mut r = req(&subject, &res);
    r.scope = Some("read write");
    assert_token_error(run(&f, &service(), r).await, OAuthErrorCode::InvalidScope);
    let e = f.events.only();
    assert_eq!(e.outcome, AuditOutcome::Failure);
    assert_eq!(e.subject.as_deref(), Some("alice"));
    assert!(e.detail.as_deref().unwrap().contains("invalid_scope"));
}

#[tokio::test]
async fn delegation_carries_act_with_the_actor() {
    let f = fixture().await;
    let subject = user_token(&f);
    let actor = token(&f, "svc", "", NOW + 300, json!({"client_id": "svc"}));
    let res = api();
    let mut r = req(&subject, &res);
    r.actor_token = Some(&actor);
    r.actor_token_type = Some(ACCESS_TOKEN_TYPE);
    let t = run(&f, &service(), r).await.unwrap();
    let c = f.jws.claims(t.access_token.expose_secret());
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["act"], json!({"sub": "svc", "client_id": "svc"}));
    assert_eq!(c["exp"], NOW + 300, "the actor's expiry bounds it too");
    assert_eq!(f.events.only().actor.as_deref(), Some("svc"));
}

#[tokio::test]
async fn a_chain_nests_the_previous_actor_and_impersonation_keeps_it() {
    let f = fixture().await;
    let subject = token(
        &f,
        "alice",
        "read",
        NOW + 600,
        json!({"act": {"sub": "first", "client_id": "first"}}),
    );
    let actor = token(&f, "second", "", NOW + 600, json!({"client_id": "second"}));
    let res = api();
    let mut r = req(&subject, &res);
    r.actor_token = Some(&actor);
    r.actor_token_type = Some(ACCESS_TOKEN_TYPE);
    let t = run(&f, &service(), r).await.unwrap();
    let delegated = t.access_token.expose_secret().to_owned();
    let c = f.jws.claims(&delegated);
    assert_eq!(
        c["act"],
        json!({"sub": "second", "client_id": "second", "act": {"sub": "first", "client_id": "first"}})
    );
    // Exchanging the delegated token again without an actor keeps the chain.
    let t2 = run(&f, &service(), req(&delegated, &res)).await.unwrap();
    assert_eq!(
        f.jws.claims(t2.access_token.expose_secret())["act"],
        c["act"]
    );
}

#[tokio::test]
async fn a_chain_too_deep_is_refused() {
    let f = fixture().await;
    let mut act = json!({"sub": "a0"});
    for i in 1..MAX_ACTOR_CHAIN {
        act = json!({"sub": format!("a{i}"), "act": act});
    }
    let subject = token(&f, "alice", "read", NOW + 600, json!({ "act": act }));
    let actor = token(&f, "svc", "", NOW + 600, json!({}));
    let res = api();
    let mut r = req(&subject, &res);
    r.actor_token = Some(&actor);
    r.actor_token_type = Some(ACCESS_TOKEN_TYPE);
    assert_token_error(run(&f, &service(), r).await, OAuthErrorCode::InvalidRequest);
}

#[tokio::test]
async fn revoking_the_subjects_grant_kills_the_exchanged_token() {
    let f = fixture().await;
    let subject = user_token(&f);
    let res = api();
    let t = run(&f, &service(), req(&subject, &res)).await.unwrap();
    let exchanged = t.access_token.expose_secret().to_owned();
    f.store
        .revoke(
            &grant_revocation_key("grant-1"),
            UnixTime::from_secs(NOW + 900),
        )
        .await
        .unwrap();
    let verifier = AccessTokenVerifier::new(
        f.jws.clone(),
        f.store.clone(),
        clock_at(NOW),
        IssuerSettings::new(ISS),
    );
    assert!(verifier.verify_active(&exchanged).await.unwrap().is_none());
    // And the subject itself can no longer be exchanged.
    assert_token_error(
        run(&f, &service(), req(&subject, &res)).await,
        OAuthErrorCode::InvalidRequest,
    );
}

#[tokio::test]
async fn revoked_expired_or_foreign_subject_tokens_are_invalid_request() {
    let f = fixture().await;
    let revoked = user_token(&f);
    let jti = f.jws.claims(&revoked)["jti"].as_str().unwrap().to_owned();
    f.store
        .revoke(&jti, UnixTime::from_secs(NOW + 900))
        .await
        .unwrap();
    let expired = token(&f, "bob", "read", NOW, json!({"gid": "g2"}));
    let foreign = token(&f, "eve", "read", NOW + 60, json!({"iss": "https://evil"}));
    let res = api();
    for subject in [
        revoked.as_str(),
        expired.as_str(),
        foreign.as_str(),
        "garbage",
    ] {
        assert_token_error(
            run(&f, &service(), req(subject, &res)).await,
            OAuthErrorCode::InvalidRequest,
        );
    }
}

#[tokio::test]
async fn token_type_rules_are_invalid_request() {
    let f = fixture().await;
    let subject = user_token(&f);
    let actor = token(&f, "svc", "", NOW + 300, json!({}));
    let res = api();
    /// subject_token_type, actor_token, actor_token_type, requested_token_type.
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let cases: [Case<'_>; 5] = [
        (
            "urn:ietf:params:oauth:token-type:id_token",
            None,
            None,
            None,
        ),
        (ACCESS_TOKEN_TYPE, Some(actor.as_str()), None, None),
        (ACCESS_TOKEN_TYPE, None, Some(ACCESS_TOKEN_TYPE), None),
        (
            ACCESS_TOKEN_TYPE,
            Some(actor.as_str()),
            Some("urn:ietf:params:oauth:token-type:jwt"),
            None,
        ),
        (
            ACCESS_TOKEN_TYPE,
            None,
            None,
            Some("urn:ietf:params:oauth:token-type:refresh_token"),
        ),
    ];
    for (subject_type, actor_token, actor_type, requested) in cases {
        let mut r = req(&subject, &res);
        r.subject_token_type = subject_type;
        r.actor_token = actor_token;
        r.actor_token_type = actor_type;
        r.requested_token_type = requested;
        assert_token_error(run(&f, &service(), r).await, OAuthErrorCode::InvalidRequest);
    }
    let mut r = req(&subject, &res);
    r.requested_token_type = Some(ACCESS_TOKEN_TYPE);
    assert!(run(&f, &service(), r).await.is_ok());
}

#[tokio::test]
async fn an_invalid_actor_token_is_invalid_request() {
    let f = fixture().await;
    let subject = user_token(&f);
    let res = api();
    let mut r = req(&subject, &res);
    r.actor_token = Some("not-a-token");
    r.actor_token_type = Some(ACCESS_TOKEN_TYPE);
    assert_token_error(run(&f, &service(), r).await, OAuthErrorCode::InvalidRequest);
}

#[tokio::test]
async fn targets_outside_the_policy_unknown_or_missing_are_refused() {
    let f = fixture().await;
    let subject = user_token(&f);
    let other = vec![OTHER];
    assert_token_error(
        run(&f, &service(), req(&subject, &other)).await,
        OAuthErrorCode::InvalidTarget,
    );
    let e = f.events.only();
    assert_eq!(e.outcome, AuditOutcome::Failure);
    assert!(e.detail.as_deref().unwrap().contains(OTHER));
    let unknown = vec!["https://unknown.example/"];
    assert_token_error(
        run(&f, &service(), req(&subject, &unknown)).await,
        OAuthErrorCode::InvalidTarget,
    );
    let bad = vec!["not a uri"];
    assert_token_error(
        run(&f, &service(), req(&subject, &bad)).await,
        OAuthErrorCode::InvalidTarget,
    );
    // One allowed and one not: the whole request fails.
    let mixed = vec![API, OTHER];
    assert_token_error(
        run(&f, &service(), req(&subject, &mixed)).await,
        OAuthErrorCode::InvalidTarget,
    );
    assert_token_error(
        run(&f, &service(), req(&subject, &[])).await,
        OAuthErrorCode::InvalidRequest,
    );
}

#[tokio::test]
async fn clients_without_the_grant_or_public_ones_are_unauthorized() {
    let f = fixture().await;
    let subject = user_token(&f);
    let res = api();
    let mut no_grant = service();
    no_grant.grant_types = vec![GrantType::ClientCredentials];
    assert_token_error(
        run(&f, &no_grant, req(&subject, &res)).await,
        OAuthErrorCode::UnauthorizedClient,
    );
    let mut public = service();
    public.auth_method = TokenEndpointAuthMethod::None;
    public.secret_digest = None;
    assert_token_error(
        run(&f, &public, req(&subject, &res)).await,
        OAuthErrorCode::UnauthorizedClient,
    );
    let e = &f.events.0.lock().unwrap()[0];
    assert_eq!(e.outcome, AuditOutcome::Failure);
    assert_eq!(e.subject, None, "refused before the subject token was read");
}

#[tokio::test]
async fn a_store_outage_is_temporarily_unavailable_and_a_fault_server_error() {
    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked()
        .returning(|_| Err(RepositoryError::Unavailable));
    let f = fixture_with(Arc::new(rev), Arc::new(MockResourceRepository::new()));
    let subject = user_token(&f);
    let res = api();
    assert_token_error(
        run(&f, &service(), req(&subject, &res)).await,
        OAuthErrorCode::TemporarilyUnavailable,
    );

    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked().returning(|_| Ok(false));
    let mut resources = MockResourceRepository::new();
    resources
        .expect_find()
        .returning(|_| Err(RepositoryError::other("disk on fire")));
    let f = fixture_with(Arc::new(rev), Arc::new(resources));
    let subject = user_token(&f);
    assert_token_error(
        run(&f, &service(), req(&subject, &res)).await,
        OAuthErrorCode::ServerError,
    );
}

#[tokio::test]
async fn a_signing_failure_is_a_server_error() {
    let store = Arc::new(InMemoryStore::new());
    store
        .insert(&Resource {
            clients: Vec::new(),
            identifier: ResourceIdentifier::parse(API).unwrap(),
            name: "API".into(),
            scope: ScopeSet::parse("read").unwrap(),
            created_at: UnixTime::from_secs(0),
        })
        .await
        .unwrap();
    let claims = json!({
        "iss": ISS, "sub": "alice", "aud": ISS, "exp": NOW + 60, "iat": NOW,
        "jti": "j", "client_id": "web", "scope": "read"
    });
    let mut jws = MockJwsEngine::new();
    jws.expect_verify().returning(move |_, _, _| {
        Ok(VerifiedJws {
            claims: claims.as_object().unwrap().clone(),
            kid: "k".into(),
        })
    });
    jws.expect_sign()
        .returning(|_, _| Err(CryptoError::NoActiveKey));
    let jws = Arc::new(jws);
    let settings = IssuerSettings::new(ISS);
    let grant = TokenExchangeGrant::new(TokenExchangeDeps {
        verifier: AccessTokenVerifier::new(
            jws.clone(),
            store.clone(),
            clock_at(NOW),
            settings.clone(),
        ),
        indicators: ResourceIndicators::new(store),
        jws,
        clock: clock_at(NOW),
        rng: counting_rng(),
        audit: Arc::new(Events::default()),
        settings,
    });
    let res = api();
    let r = grant
        .exchange(
            &RequestContext::internal(UnixTime::from_secs(NOW)),
            &service(),
            req("t", &res),
        )
        .await;
    assert_token_error(r, OAuthErrorCode::ServerError);
}
