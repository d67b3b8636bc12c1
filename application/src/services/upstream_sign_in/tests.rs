use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{
    MockAuditLog, MockKeyCipher, MockUpstreamProvider, UpstreamMetadata, UpstreamTokens,
};
use crate::services::test_support::{self as ts, Recorder};
use secrecy::SecretBox;
use serde_json::json;
use tessera_domain::{AuditEvent, ClaimMapping, ScopeSet, UpstreamIssuer};

const NOW: i64 = 1_000_000;
const ISSUER: &str = "https://up.example";

fn upstream() -> Upstream {
    Upstream {
        id: UpstreamId::from_random([9; 16]),
        name: "Corp".into(),
        kind: UpstreamKind::Oidc,
        issuer: UpstreamIssuer::parse(ISSUER).unwrap(),
        api_base: None,
        client_id: "tessera".into(),
        sealed_secret: b"s3cret".to_vec(),
        scope: ScopeSet::parse("openid email").unwrap(),
        claims: ClaimMapping::default(),
        created_at: UnixTime::from_secs(1),
    }
}

fn metadata(iss_supported: bool) -> UpstreamMetadata {
    UpstreamMetadata {
        issuer: ISSUER.into(),
        authorization_endpoint: format!("{ISSUER}/authorize"),
        token_endpoint: format!("{ISSUER}/token"),
        jwks_uri: Some(format!("{ISSUER}/jwks")),
        iss_parameter_supported: iss_supported,
    }
}

/// A provider whose ID token carries `claims` (the nonce filled in from the pending login).
fn provider(iss_supported: bool, claims: serde_json::Value) -> MockUpstreamProvider {
    let mut p = MockUpstreamProvider::new();
    p.expect_metadata()
        .returning(move |_| Ok(metadata(iss_supported)));
    p.expect_redeem_code()
        .returning(|_, id, secret, code, _, verifier| {
            assert_eq!(id, "tessera");
            assert_eq!(secret.expose_secret(), "s3cret");
            assert_eq!(code, "the-code");
            assert_eq!(verifier.len(), 43);
            Ok(UpstreamTokens {
                access_token: SecretString::from("at"),
                id_token: Some("id.token.sig".into()),
            })
        });
    p.expect_verify_id_token()
        .returning(move |_, _| Ok(claims.as_object().cloned().unwrap_or_default()));
    p
}

fn id_claims(nonce: &str) -> serde_json::Value {
    json!({
        "iss": ISSUER, "sub": "alice-at-corp", "aud": "tessera", "exp": NOW + 60,
        "iat": NOW, "nonce": nonce, "email": "alice@corp.example", "email_verified": true,
        "name": "Alice",
    })
}

struct World {
    svc: UpstreamSignIn,
    store: Arc<InMemoryStore>,
    events: Recorder<AuditEvent>,
}

fn world(provider: MockUpstreamProvider, jit: bool) -> World {
    let store = Arc::new(InMemoryStore::new());
    let events = Recorder::default();
    let e = events.clone();
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(move |ev| e.push(ev));
    let mut cipher = MockKeyCipher::new();
    cipher
        .expect_decrypt()
        .returning(|c, _| Ok(SecretBox::new(Box::new(c.to_vec()))));
    let svc = UpstreamSignIn::new(UpstreamSignInDeps {
        upstreams: store.clone(),
        links: store.clone(),
        users: store.clone(),
        provider: Arc::new(provider),
        secrets: Arc::new(cipher),
        replay: store.clone(),
        random: ts::counting_rng(),
        clock: ts::clock_at(NOW),
        audit: Arc::new(audit),
        issuer: "https://id.example".into(),
        jit,
    });
    World { svc, store, events }
}

fn ctx() -> RequestContext {
    RequestContext::internal(UnixTime::from_secs(NOW))
}

async fn started(w: &World) -> PendingUpstreamLogin {
    UpstreamRepository::insert(w.store.as_ref(), &upstream())
        .await
        .unwrap();
    w.svc
        .start(upstream().id.as_str(), None)
        .await
        .unwrap()
        .pending
}

fn answer(pending: &PendingUpstreamLogin, iss: Option<&str>) -> UpstreamCallback {
    UpstreamCallback {
        code: Some("the-code".into()),
        state: Some(pending.state.clone()),
        iss: iss.map(Into::into),
        error: None,
    }
}

#[tokio::test]
async fn start_sends_pkce_s256_state_nonce_and_our_callback() {
    let w = world(provider(true, json!({})), false);
    UpstreamRepository::insert(w.store.as_ref(), &upstream())
        .await
        .unwrap();
    let s = w.svc.start(upstream().id.as_str(), None).await.unwrap();
    let url = &s.authorization_url;
    assert!(url.starts_with("https://up.example/authorize?response_type=code&client_id=tessera"));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(s.pending.code_verifier.as_bytes()));
    assert!(url.contains(&format!(
        "code_challenge={challenge}&code_challenge_method=S256"
    )));
    assert!(url.contains(&format!("state={}", s.pending.state)));
    assert!(url.contains(&format!("nonce={}", s.pending.nonce)));
    let callback = format!(
        "https%3A%2F%2Fid.example%2Fupstream%2F{}%2Fcallback",
        upstream().id
    );
    assert!(url.contains(&callback), "{url}");
    assert_ne!(s.pending.state, s.pending.nonce);
    assert_eq!(s.pending.expires_at, NOW + UPSTREAM_LOGIN_TTL_SECS);
    assert!(matches!(
        w.svc
            .start("00000000-0000-4000-8000-00000000000f", None)
            .await,
        Err(UpstreamSignInError::UnknownUpstream)
    ));
}

#[tokio::test]
async fn a_good_callback_yields_the_person_and_its_state_is_single_use() {
    let w = world(provider(true, json!({})), false);
    let pending = started(&w).await;
    let svc = world_on(w.store.clone(), id_claims(&pending.nonce), true, false);
    let id = upstream().id;
    let person = svc
        .finish(
            &ctx(),
            id.as_str(),
            Some(&pending),
            answer(&pending, Some(ISSUER)),
        )
        .await
        .unwrap();
    assert_eq!(person.subject.as_str(), "alice-at-corp");
    assert_eq!(person.email.as_deref(), Some("alice@corp.example"));
    assert!(person.email_verified);
    assert!(matches!(
        svc.finish(
            &ctx(),
            id.as_str(),
            Some(&pending),
            answer(&pending, Some(ISSUER))
        )
        .await,
        Err(UpstreamSignInError::Replayed)
    ));
}

fn take_deps(svc: UpstreamSignIn) -> UpstreamSignInDeps {
    svc.d
}

/// A world whose provider answers for `pending`'s nonce, on `store`.
fn world_on(
    store: Arc<InMemoryStore>,
    claims: serde_json::Value,
    iss: bool,
    jit: bool,
) -> UpstreamSignIn {
    let d = take_deps(world(provider(iss, claims), jit).svc);
    UpstreamSignIn::new(UpstreamSignInDeps {
        upstreams: store.clone(),
        links: store.clone(),
        users: store.clone(),
        replay: store,
        ..d
    })
}

#[tokio::test]
async fn mix_up_missing_iss_wrong_state_and_wrong_nonce_are_refused() {
    let w = world(provider(true, json!({})), false);
    let first = started(&w).await;
    let id = upstream().id;
    let svc = world_on(w.store.clone(), id_claims(&first.nonce), true, false);
    let fresh = || async { svc.start(id.as_str(), None).await.unwrap().pending };
    type Answer = fn(&PendingUpstreamLogin) -> UpstreamCallback;
    let cases: [(Answer, &str); 3] = [
        (|p| answer(p, Some("https://evil.example")), "mix-up"),
        (|p| answer(p, None), "iss promised but missing"),
        (
            |p| UpstreamCallback {
                state: Some("other".into()),
                ..answer(p, Some(ISSUER))
            },
            "state",
        ),
    ];
    for (a, why) in cases {
        let pending = fresh().await;
        let r = svc
            .finish(&ctx(), id.as_str(), Some(&pending), a(&pending))
            .await;
        assert!(
            matches!(
                r,
                Err(UpstreamSignInError::MixUp | UpstreamSignInError::State)
            ),
            "{why}: {r:?}"
        );
    }
    let pending = first;
    // No pending login in this browser, or one for another upstream.
    assert!(matches!(
        svc.finish(&ctx(), id.as_str(), None, answer(&pending, Some(ISSUER)))
            .await,
        Err(UpstreamSignInError::NoPendingLogin)
    ));
    // A wrong nonce (fresh state each time: the first uses above spent nothing but the mix-up).
    let other = world(provider(true, json!({})), false);
    let p2 = started(&other).await;
    let svc = world_on(other.store.clone(), id_claims("not-the-nonce"), true, false);
    let r = svc
        .finish(&ctx(), id.as_str(), Some(&p2), answer(&p2, Some(ISSUER)))
        .await;
    assert!(matches!(r, Err(UpstreamSignInError::Invalid(_))), "{r:?}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_unavailable() {
    let mut p = MockUpstreamProvider::new();
    p.expect_metadata()
        .returning(|_| Err(UpstreamCallError::Unreachable("connection refused".into())));
    let w = world(p, true);
    UpstreamRepository::insert(w.store.as_ref(), &upstream())
        .await
        .unwrap();
    assert!(matches!(
        w.svc.start(upstream().id.as_str(), None).await,
        Err(UpstreamSignInError::Unavailable(_))
    ));
}

fn person(email: Option<&str>) -> VerifiedUpstreamPerson {
    VerifiedUpstreamPerson {
        upstream: upstream().id,
        upstream_name: "Corp".into(),
        subject: UpstreamSubject::parse("alice-at-corp").unwrap(),
        email: email.map(Into::into),
        email_verified: true,
        name: Some("Alice".into()),
    }
}

#[tokio::test]
async fn the_account_policy_links_by_subject_never_by_email() {
    // JIT off, nobody: a page.
    let w = world(MockUpstreamProvider::new(), false);
    UpstreamRepository::insert(w.store.as_ref(), &upstream())
        .await
        .unwrap();
    let r = w
        .svc
        .resolve(&ctx(), &person(Some("alice@corp.example")), None)
        .await;
    assert!(matches!(r, Ok(UpstreamAccount::NoAccount)));
    // An account with the same email: proof first, nothing linked.
    let mut existing = ts::user();
    existing.email = Email::parse("alice@corp.example").unwrap();
    UserRepository::insert(w.store.as_ref(), &existing)
        .await
        .unwrap();
    let r = w
        .svc
        .resolve(&ctx(), &person(Some("alice@corp.example")), None)
        .await;
    assert!(matches!(r, Ok(UpstreamAccount::ProveExisting(u)) if u.id == existing.id));
    assert!(w.svc.links_of(&existing.id).await.unwrap().is_empty());
    // After the proof: linked, and from then on found by (upstream, sub).
    w.svc.link(&ctx(), &person(None), &existing).await.unwrap();
    let r = w
        .svc
        .resolve(&ctx(), &person(Some("new@corp.example")), None)
        .await;
    assert!(matches!(r, Ok(UpstreamAccount::SignIn(u)) if u.id == existing.id));
    // With a password the link may go; then it is gone.
    assert!(w
        .svc
        .unlink(&ctx(), &existing, upstream().id.as_str())
        .await
        .unwrap());
}

#[tokio::test]
async fn jit_creates_an_account_without_password_whose_last_link_stays() {
    let w = world(MockUpstreamProvider::new(), true);
    UpstreamRepository::insert(w.store.as_ref(), &upstream())
        .await
        .unwrap();
    let r = w
        .svc
        .resolve(&ctx(), &person(Some("bob@corp.example")), None)
        .await;
    let Ok(UpstreamAccount::SignIn(user)) = r else {
        panic!("{r:?}")
    };
    assert!(user.email_verified && user.password_hash.is_empty());
    assert_eq!(user.name.as_deref(), Some("Alice"));
    assert!(matches!(
        w.svc.unlink(&ctx(), &user, upstream().id.as_str()).await,
        Err(UpstreamSignInError::LinkRefused)
    ));
    // No email: nothing to make an account from.
    let mut nobody = person(None);
    nobody.subject = UpstreamSubject::parse("other").unwrap();
    assert!(matches!(
        w.svc.resolve(&ctx(), &nobody, None).await,
        Ok(UpstreamAccount::NoEmail)
    ));
    assert!(w
        .events
        .all()
        .iter()
        .any(|e| e.action == AuditAction::UpstreamSignIn));
}
