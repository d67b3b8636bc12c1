use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{ClientRepository, ConsentRepository, SessionRepository, UserRepository};
use crate::services::test_support::{self as ts, Recorder, CLIENT_ID, OTHER_USER_ID, USER_ID};
use std::sync::Arc;
use tessera_domain::{AuditEvent, Consent, TokenDigest, UnixTime, UserId};

const NOW: i64 = 1_000_000;

#[derive(Clone, Default)]
struct Audit(Recorder<AuditEvent>);

impl AuditLog for Audit {
    fn record(&self, event: AuditEvent) {
        self.0.push(event);
    }
}

fn ctx() -> RequestContext {
    RequestContext {
        ip: None,
        request_id: String::new(),
        now: UnixTime::from_secs(NOW),
    }
}

fn uid(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn session(user: &str, cookie: &str, auth_time: i64, expires_at: i64) -> BrowserSession {
    BrowserSession {
        sid: format!("sid-{cookie}"),
        digest: TokenDigest::of(cookie),
        user_id: uid(user),
        auth_time: UnixTime::from_secs(auth_time),
        expires_at: UnixTime::from_secs(expires_at),
        amr: AuthMethods::password(),
    }
}

async fn setup() -> (Arc<InMemoryStore>, AccountSessions, Audit) {
    let store = Arc::new(InMemoryStore::new());
    UserRepository::insert(store.as_ref(), &ts::user())
        .await
        .unwrap();
    let mut other = ts::user();
    other.id = uid(OTHER_USER_ID);
    other.email = tessera_domain::Email::parse("bob@example.com").unwrap();
    UserRepository::insert(store.as_ref(), &other)
        .await
        .unwrap();
    let sign_out = Arc::new(SignOutEverywhere::new(
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        ts::clock_at(NOW),
        900,
    ));
    let audit = Audit::default();
    let service = AccountSessions::new(
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        sign_out,
        Arc::new(audit.clone()),
    );
    (store, service, audit)
}

async fn insert_sessions(store: &InMemoryStore) {
    for s in [
        session(USER_ID, "mine-old", NOW - 500, NOW + 1_000),
        session(USER_ID, "mine-new", NOW - 100, NOW + 1_000),
        session(USER_ID, "mine-expired", NOW - 5_000, NOW - 1),
        session(OTHER_USER_ID, "bobs", NOW - 50, NOW + 1_000),
    ] {
        SessionRepository::insert(store, &s).await.unwrap();
    }
}

#[tokio::test]
async fn lists_live_sessions_of_the_user_marking_the_current_one_without_the_cookie() {
    let (store, service, _) = setup().await;
    assert_eq!(
        service.account(&uid(USER_ID)).await.unwrap().map(|u| u.id),
        Some(uid(USER_ID))
    );
    insert_sessions(&store).await;
    let current = TokenDigest::of("mine-old");
    let listed = service
        .sessions(&uid(USER_ID), Some(&current), UnixTime::from_secs(NOW))
        .await
        .unwrap();
    assert_eq!(
        listed.len(),
        2,
        "expired and other people's sessions are not listed"
    );
    let ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&session_public_id(&current).as_str()));
    let mine = listed.iter().find(|s| s.current).unwrap();
    assert_eq!(mine.auth_time, UnixTime::from_secs(NOW - 500));
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    for s in &listed {
        assert_eq!(s.id.len(), 16, "12 bytes in base64url");
        assert!(!s.id.contains("mine"));
        assert_eq!(s.amr, AuthMethods::password());
    }
}

#[tokio::test]
async fn ends_only_the_users_own_session_by_its_public_id() {
    let (store, service, audit) = setup().await;
    insert_sessions(&store).await;
    let bobs = session_public_id(&TokenDigest::of("bobs"));
    assert!(!service
        .end_session(&ctx(), &uid(USER_ID), &bobs)
        .await
        .unwrap());
    assert!(!service
        .end_session(&ctx(), &uid(USER_ID), "no-such-id")
        .await
        .unwrap());
    assert!(audit.0.all().is_empty());

    let new = session_public_id(&TokenDigest::of("mine-new"));
    assert!(service
        .end_session(&ctx(), &uid(USER_ID), &new)
        .await
        .unwrap());
    let now = UnixTime::from_secs(NOW);
    assert!(
        SessionRepository::find(store.as_ref(), &TokenDigest::of("mine-new"), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        SessionRepository::find(store.as_ref(), &TokenDigest::of("bobs"), now)
            .await
            .unwrap()
            .is_some()
    );
    let event = audit.0.only();
    assert_eq!(event.action, AuditAction::SessionEnded);
    assert_eq!(event.subject.as_deref(), Some(USER_ID));
}

#[tokio::test]
async fn ends_every_other_session_but_the_callers() {
    let (store, service, audit) = setup().await;
    insert_sessions(&store).await;
    let keep = TokenDigest::of("mine-old");
    let ended = service
        .end_other_sessions(&ctx(), &uid(USER_ID), &keep)
        .await
        .unwrap();
    assert!(ended >= 1);
    let now = UnixTime::from_secs(NOW);
    let left = service
        .sessions(&uid(USER_ID), Some(&keep), now)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert!(left.iter().all(|s| s.current));
    assert_eq!(
        service
            .sessions(&uid(OTHER_USER_ID), None, now)
            .await
            .unwrap()
            .len(),
        1,
        "other people's sessions stay"
    );
    assert_eq!(audit.0.only().action, AuditAction::SessionEnded);
}

#[tokio::test]
async fn lists_connected_apps_with_names_and_revokes_them_once() {
    let (store, service, audit) = setup().await;
    ClientRepository::insert(store.as_ref(), &ts::client(true))
        .await
        .unwrap();
    let consent = Consent {
        resources: Vec::new(),
        user_id: uid(USER_ID),
        client_id: ClientId::parse(CLIENT_ID).unwrap(),
        scope: ts::scope("openid email"),
        granted_at: UnixTime::from_secs(NOW - 10),
    };
    ConsentRepository::upsert(store.as_ref(), &consent)
        .await
        .unwrap();

    let apps = service.apps(&uid(USER_ID)).await.unwrap();
    assert_eq!(apps.len(), 1);
    let app = apps.first().unwrap();
    assert_eq!(app.name, "Web app");
    assert_eq!(app.scope, ts::scope("openid email"));
    assert_eq!(app.granted_at, UnixTime::from_secs(NOW - 10));
    assert!(service.apps(&uid(OTHER_USER_ID)).await.unwrap().is_empty());

    assert!(
        !service
            .revoke_app(&ctx(), &uid(OTHER_USER_ID), CLIENT_ID)
            .await
            .unwrap(),
        "another person cannot withdraw this grant"
    );
    assert!(service
        .revoke_app(&ctx(), &uid(USER_ID), CLIENT_ID)
        .await
        .unwrap());
    assert!(service.apps(&uid(USER_ID)).await.unwrap().is_empty());
    assert!(!service
        .revoke_app(&ctx(), &uid(USER_ID), CLIENT_ID)
        .await
        .unwrap());
    assert!(!service
        .revoke_app(&ctx(), &uid(USER_ID), "not a client id\n")
        .await
        .unwrap());
    let event = audit.0.only();
    assert_eq!(event.action, AuditAction::ConsentRevoked);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
}
