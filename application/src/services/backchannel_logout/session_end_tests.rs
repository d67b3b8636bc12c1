//! Every place a session ends queues the logout tokens of its clients (on the in-memory
//! store, so the rows the hooks leave are what is checked).

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{
    ClientRepository, LogoutDeliveryRepository, MockAuditLog, MockLogoutSender, MockPasswordHasher,
    SessionRepository, UserRepository,
};
use crate::services::access_tokens::tests::clock_at;
use crate::services::test_support::{self as ts, OTHER_USER_ID, USER_ID};
use crate::services::{AccountSessions, Accounts, AccountsDeps, SignOutEverywhere};
use secrecy::ExposeSecret;
use tessera_domain::{AuthMethods, Email, LockoutPolicy, PasswordPolicy, UnixTime, User};

const NOW: i64 = 1_800_000_000;

struct World {
    store: Arc<InMemoryStore>,
    backchannel: Arc<BackchannelLogout>,
    accounts: Accounts,
}

fn other_user() -> User {
    User {
        id: UserId::parse(OTHER_USER_ID).unwrap(),
        email: Email::parse("bob@example.com").unwrap(),
        ..ts::user()
    }
}

async fn world() -> World {
    let store = Arc::new(InMemoryStore::new());
    UserRepository::insert(store.as_ref(), &ts::user())
        .await
        .unwrap();
    UserRepository::insert(store.as_ref(), &other_user())
        .await
        .unwrap();
    let mut client = ts::client(false);
    client.security.backchannel_logout_uri = Some("https://rp.example/bc".into());
    ClientRepository::insert(store.as_ref(), &client)
        .await
        .unwrap();
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(|_| ());
    let mut sender = MockLogoutSender::new();
    sender.expect_send().never();
    let backchannel = Arc::new(BackchannelLogout::new(
        BackchannelLogoutDeps {
            session_clients: store.clone(),
            deliveries: store.clone(),
            clients: store.clone(),
            jws: Arc::new(crate::ports::MockJwsEngine::new()),
            sender: Arc::new(sender),
            audit: Arc::new(audit),
            clock: clock_at(NOW),
            rng: ts::counting_rng(),
        },
        "https://id.example".into(),
        DeliveryPolicy::default(),
    ));
    let accounts = Accounts::new(AccountsDeps {
        users: store.clone(),
        sessions: store.clone(),
        hasher: Arc::new(MockPasswordHasher::new()),
        clock: clock_at(NOW),
        rng: ts::counting_rng(),
        policy: PasswordPolicy::default(),
        session_ttl: 3_600,
        lockout: LockoutPolicy::default(),
    })
    .with_backchannel_logout(backchannel.clone());
    World {
        store,
        backchannel,
        accounts,
    }
}

impl World {
    /// Opens a session of `user` in which the client got a code; returns (cookie, session).
    async fn signed_in(&self, user: &UserId) -> (String, BrowserSession) {
        let signed = self
            .accounts
            .open_session(user, AuthMethods::password())
            .await
            .unwrap();
        let client = ClientId::parse(ts::CLIENT_ID).unwrap();
        self.backchannel
            .record(&signed.session, &client)
            .await
            .unwrap();
        (signed.cookie.expose_secret().to_owned(), signed.session)
    }

    /// The sids of the queued deliveries.
    async fn queued(&self) -> Vec<String> {
        let now = UnixTime::from_secs(NOW);
        let mut sids: Vec<String> = self
            .store
            .claim_due(now, now.plus(60), 100)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|d| d.sid)
            .collect();
        sids.sort();
        sids
    }

    fn sign_out_everywhere(&self) -> SignOutEverywhere {
        SignOutEverywhere::new(
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            clock_at(NOW),
            600,
        )
        .with_backchannel_logout(self.backchannel.clone())
    }
}

fn user() -> UserId {
    UserId::parse(USER_ID).unwrap()
}

#[tokio::test]
async fn signing_out_queues_the_sessions_clients() {
    let w = world().await;
    let (cookie, session) = w.signed_in(&user()).await;
    let (_, other) = w.signed_in(&user()).await;
    assert_ne!(session.sid, other.sid, "each session its own sid");
    w.accounts.sign_out(&cookie).await.unwrap();
    assert_eq!(w.queued().await, vec![session.sid]);
}

#[tokio::test]
async fn a_step_up_keeps_the_sid_and_sends_nothing() {
    let w = world().await;
    let (cookie, first) = w.signed_in(&user()).await;
    let stepped = w
        .accounts
        .replace_session(&user(), AuthMethods::password(), Some(&cookie))
        .await
        .unwrap();
    assert_eq!(stepped.session.sid, first.sid);
    assert_ne!(stepped.session.digest, first.digest);
    assert!(w.queued().await.is_empty());
    let old = SessionRepository::find(w.store.as_ref(), &first.digest, UnixTime::from_secs(NOW));
    assert!(old.await.unwrap().is_none(), "the old session ended");
    // The clients of the old session are still known under the kept sid.
    w.accounts
        .sign_out(stepped.cookie.expose_secret())
        .await
        .unwrap();
    assert_eq!(w.queued().await, vec![first.sid]);
}

#[tokio::test]
async fn another_persons_sign_in_ends_the_previous_session() {
    let w = world().await;
    let (cookie, first) = w.signed_in(&user()).await;
    let bob = other_user().id;
    let signed = w
        .accounts
        .replace_session(&bob, AuthMethods::password(), Some(&cookie))
        .await
        .unwrap();
    assert_ne!(signed.session.sid, first.sid);
    assert_eq!(w.queued().await, vec![first.sid]);
}

#[tokio::test]
async fn signing_out_everywhere_queues_every_session() {
    let w = world().await;
    let (_, a) = w.signed_in(&user()).await;
    let (_, b) = w.signed_in(&user()).await;
    let (_, bobs) = w.signed_in(&other_user().id).await;
    w.sign_out_everywhere().run(&user()).await.unwrap();
    let mut expected = vec![a.sid, b.sid];
    expected.sort();
    assert_eq!(w.queued().await, expected);
    assert!(!w.queued().await.contains(&bobs.sid));
}

#[tokio::test]
async fn the_account_page_ends_one_session_or_all_others() {
    let w = world().await;
    let (_, current) = w.signed_in(&user()).await;
    let (_, second) = w.signed_in(&user()).await;
    let (_, third) = w.signed_in(&user()).await;
    let mut audit = MockAuditLog::new();
    audit.expect_record().returning(|_| ());
    let page = AccountSessions::new(
        w.store.clone(),
        w.store.clone(),
        w.store.clone(),
        w.store.clone(),
        Arc::new(w.sign_out_everywhere()),
        Arc::new(audit),
    );
    let ctx = RequestContext::internal(UnixTime::from_secs(NOW));
    let id = crate::services::session_public_id(&second.digest);
    assert!(page.end_session(&ctx, &user(), &id).await.unwrap());
    assert_eq!(w.queued().await, vec![second.sid]);
    assert_eq!(
        page.end_other_sessions(&ctx, &user(), &current.digest)
            .await
            .unwrap(),
        1
    );
    assert_eq!(w.queued().await, vec![third.sid], "the current one is kept");
}
