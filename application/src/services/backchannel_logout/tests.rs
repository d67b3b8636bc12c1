use super::*;
use crate::errors::CryptoError;
use crate::ports::{
    LogoutSendError, MockAuditLog, MockClientRepository, MockJwsEngine,
    MockLogoutDeliveryRepository, MockLogoutSender, MockSessionClientRepository,
};
use crate::services::access_tokens::tests::clock_at;
use crate::services::test_support::{self as ts, Recorder, CLIENT_ID, USER_ID};
use tessera_domain::{AuditEvent, Client, UnixTime, BACKCHANNEL_LOGOUT_EVENT};

const NOW: i64 = 1_800_000_000;
const URI: &str = "https://rp.example/backchannel";
const ISSUER: &str = "https://id.example";

fn client_with(uri: Option<&str>, session_required: bool) -> Client {
    let mut c = ts::client(false);
    c.security.backchannel_logout_uri = uri.map(str::to_owned);
    c.security.backchannel_logout_session_required = session_required;
    c
}

fn clients_returning(client: Option<Client>) -> MockClientRepository {
    let mut m = MockClientRepository::new();
    m.expect_find().returning(move |_| Ok(client.clone()));
    m
}

fn entry(sid: &str) -> SessionClient {
    SessionClient {
        sid: sid.to_owned(),
        client_id: ClientId::parse(CLIENT_ID).unwrap(),
        user_id: UserId::parse(USER_ID).unwrap(),
        expires_at: UnixTime::from_secs(NOW + 3_600),
    }
}

fn delivery(attempts: u32, sid: Option<&str>) -> LogoutDelivery {
    LogoutDelivery {
        id: "d1".to_owned(),
        client_id: ClientId::parse(CLIENT_ID).unwrap(),
        uri: URI.to_owned(),
        user_id: UserId::parse(USER_ID).unwrap(),
        sid: sid.map(str::to_owned),
        attempts,
        next_attempt_at: UnixTime::from_secs(NOW + 60),
        created_at: UnixTime::from_secs(NOW - 10),
    }
}

/// The ports of one test; each test sets the expectations it is about.
struct Ports {
    session_clients: MockSessionClientRepository,
    deliveries: MockLogoutDeliveryRepository,
    clients: MockClientRepository,
    jws: MockJwsEngine,
    sender: MockLogoutSender,
    audit: Recorder<AuditEvent>,
}

impl Ports {
    fn new(client: Option<Client>) -> Self {
        Self {
            session_clients: MockSessionClientRepository::new(),
            deliveries: MockLogoutDeliveryRepository::new(),
            clients: clients_returning(client),
            jws: MockJwsEngine::new(),
            sender: MockLogoutSender::new(),
            audit: Recorder::default(),
        }
    }

    fn service(self) -> BackchannelLogout {
        let mut audit = MockAuditLog::new();
        let r = self.audit.clone();
        audit.expect_record().returning(move |e| r.push(e));
        BackchannelLogout::new(
            BackchannelLogoutDeps {
                session_clients: Arc::new(self.session_clients),
                deliveries: Arc::new(self.deliveries),
                clients: Arc::new(self.clients),
                jws: Arc::new(self.jws),
                sender: Arc::new(self.sender),
                audit: Arc::new(audit),
                clock: clock_at(NOW),
                rng: ts::counting_rng(),
            },
            ISSUER.to_owned(),
            DeliveryPolicy {
                max_attempts: 3,
                retry_base_secs: 10,
                lease_secs: 60,
                batch: 10,
            },
        )
    }
}

/// A signing engine that records what it signed.
fn signing(p: &mut Ports) -> Recorder<(String, serde_json::Map<String, serde_json::Value>)> {
    let signed = Recorder::default();
    let r = signed.clone();
    p.jws.expect_sign().returning(move |typ, claims| {
        r.push((typ.to_owned(), claims.clone()));
        Ok("the.logout.token".to_owned())
    });
    signed
}

fn claimed(p: &mut Ports, rows: Vec<LogoutDelivery>) {
    p.deliveries
        .expect_claim_due()
        .withf(|now, lease, limit| {
            now.as_secs() == NOW && lease.as_secs() == NOW + 60 && *limit == 10
        })
        .return_once(move |_, _, _| Ok(rows));
}

#[tokio::test]
async fn record_remembers_the_session_and_client() {
    let mut p = Ports::new(None);
    let got = Recorder::default();
    let r = got.clone();
    p.session_clients.expect_record().returning(move |e| {
        r.push(e.clone());
        Ok(())
    });
    let session = ts::session(NOW - 5);
    p.service()
        .record(&session, &ClientId::parse(CLIENT_ID).unwrap())
        .await
        .unwrap();
    let e = got.only();
    assert_eq!(e.sid, session.sid);
    assert_eq!(e.user_id, session.user_id);
    assert_eq!(e.expires_at, session.expires_at);
}

#[tokio::test]
async fn an_ended_session_queues_a_token_for_clients_with_a_uri() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    p.session_clients
        .expect_take_for_session()
        .withf(|sid| sid == "s1")
        .returning(|_| Ok(vec![entry("s1")]));
    let queued = Recorder::default();
    let r = queued.clone();
    p.deliveries.expect_enqueue().returning(move |d| {
        r.push(d.to_vec());
        Ok(())
    });
    assert_eq!(p.service().session_ended("s1").await.unwrap(), 1);
    let d = queued.only().remove(0);
    assert_eq!(d.uri, URI);
    assert_eq!(d.sid.as_deref(), Some("s1"));
    assert_eq!(d.user_id.as_str(), USER_ID);
    assert_eq!(d.attempts, 0);
    assert_eq!(d.next_attempt_at.as_secs(), NOW, "due at once");
}

#[tokio::test]
async fn clients_without_a_uri_or_gone_get_nothing() {
    for client in [None, Some(client_with(None, false))] {
        let mut p = Ports::new(client);
        p.session_clients
            .expect_take_for_session()
            .returning(|_| Ok(vec![entry("s1")]));
        p.deliveries.expect_enqueue().never();
        assert_eq!(p.service().session_ended("s1").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_session_without_clients_queues_nothing() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    p.session_clients
        .expect_take_for_user()
        .withf(|u, keep| u.as_str() == USER_ID && *keep == Some("keep"))
        .returning(|_, _| Ok(Vec::new()));
    p.deliveries.expect_enqueue().never();
    let user = UserId::parse(USER_ID).unwrap();
    let n = p
        .service()
        .user_sessions_ended(&user, Some("keep"))
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn every_session_of_a_user_queues_for_each_client() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    p.session_clients
        .expect_take_for_user()
        .withf(|_, keep| keep.is_none())
        .returning(|_, _| Ok(vec![entry("s1"), entry("s2")]));
    p.deliveries
        .expect_enqueue()
        .withf(|d| d.len() == 2 && d[0].id != d[1].id)
        .returning(|_| Ok(()));
    let user = UserId::parse(USER_ID).unwrap();
    assert_eq!(
        p.service().user_sessions_ended(&user, None).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn a_storage_failure_is_reported() {
    let mut p = Ports::new(None);
    p.session_clients
        .expect_take_for_session()
        .returning(|_| Err(RepositoryError::other("down")));
    assert!(p.service().session_ended("s1").await.is_err());
}

#[tokio::test]
async fn a_delivery_signs_a_logout_token_posts_it_and_audits() {
    let mut p = Ports::new(Some(client_with(Some(URI), true)));
    claimed(&mut p, vec![delivery(1, Some("s1"))]);
    let signed = signing(&mut p);
    p.sender
        .expect_send()
        .withf(|uri, token| uri == URI && token == "the.logout.token")
        .returning(|_, _| Ok(()));
    p.deliveries
        .expect_delivered()
        .withf(|id, now| id == "d1" && now.as_secs() == NOW)
        .returning(|_, _| Ok(()));
    let audit = p.audit.clone();
    let round = p.service().deliver_due().await.unwrap();
    assert_eq!((round.claimed, round.delivered), (1, 1));
    let (typ, claims) = signed.only();
    assert_eq!(typ, "logout+jwt");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], USER_ID);
    assert_eq!(claims["sid"], "s1");
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["exp"], NOW + LOGOUT_TOKEN_LIFETIME_SECS);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(
        claims["events"][BACKCHANNEL_LOGOUT_EVENT],
        serde_json::json!({})
    );
    assert!(!claims.contains_key("nonce"));
    let event = audit.only();
    assert_eq!(event.action, AuditAction::BackchannelLogoutDelivered);
    assert_eq!(event.client_id.as_deref(), Some(CLIENT_ID));
    assert!(!format!("{event:?}").contains("the.logout.token"));
}

#[tokio::test]
async fn a_failed_send_is_retried_later_with_backoff() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    claimed(&mut p, vec![delivery(2, Some("s1"))]);
    signing(&mut p);
    p.sender.expect_send().returning(|_, _| {
        Err(LogoutSendError(
            "the relying party answered HTTP 500".into(),
        ))
    });
    let at = Recorder::default();
    let r = at.clone();
    p.deliveries.expect_retry_at().returning(move |id, t| {
        r.push((id.to_owned(), t.as_secs()));
        Ok(())
    });
    p.deliveries.expect_failed().never();
    let audit = p.audit.clone();
    let round = p.service().deliver_due().await.unwrap();
    assert_eq!(round.retried, 1);
    let (id, t) = at.only();
    assert_eq!(id, "d1");
    // Second failure: base 10 doubled once, plus at most half again.
    assert!((NOW + 20..=NOW + 30).contains(&t), "{}", t - NOW);
    assert!(
        audit.all().is_empty(),
        "retries are not audited, only the outcome"
    );
}

#[tokio::test]
async fn the_last_failed_attempt_gives_up_and_audits() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    claimed(&mut p, vec![delivery(3, Some("s1"))]);
    signing(&mut p);
    p.sender
        .expect_send()
        .returning(|_, _| Err(LogoutSendError("the fetch timed out".into())));
    p.deliveries.expect_retry_at().never();
    p.deliveries
        .expect_failed()
        .withf(|id, _| id == "d1")
        .returning(|_, _| Ok(()));
    let audit = p.audit.clone();
    let round = p.service().deliver_due().await.unwrap();
    assert_eq!(round.failed, 1);
    let event = audit.only();
    assert_eq!(event.action, AuditAction::BackchannelLogoutFailed);
    assert_eq!(event.outcome, AuditOutcome::Failure);
    assert!(event.detail.as_deref().unwrap_or("").contains("timed out"));
}

#[tokio::test]
async fn a_deleted_client_is_given_up_at_once() {
    let mut p = Ports::new(None);
    claimed(&mut p, vec![delivery(1, Some("s1"))]);
    p.sender.expect_send().never();
    p.deliveries.expect_failed().returning(|_, _| Ok(()));
    let audit = p.audit.clone();
    assert_eq!(p.service().deliver_due().await.unwrap().failed, 1);
    assert_eq!(audit.only().action, AuditAction::BackchannelLogoutFailed);
}

#[tokio::test]
async fn a_client_requiring_sid_gets_no_token_without_one() {
    let mut p = Ports::new(Some(client_with(Some(URI), true)));
    claimed(&mut p, vec![delivery(1, None)]);
    p.jws.expect_sign().never();
    p.sender.expect_send().never();
    p.deliveries.expect_retry_at().returning(|_, _| Ok(()));
    assert_eq!(p.service().deliver_due().await.unwrap().retried, 1);
}

#[tokio::test]
async fn a_signing_failure_counts_as_a_failed_attempt() {
    let mut p = Ports::new(Some(client_with(Some(URI), false)));
    claimed(&mut p, vec![delivery(1, Some("s1"))]);
    p.jws
        .expect_sign()
        .returning(|_, _| Err(CryptoError::NoActiveKey));
    p.sender.expect_send().never();
    p.deliveries.expect_retry_at().returning(|_, _| Ok(()));
    assert_eq!(p.service().deliver_due().await.unwrap().retried, 1);
}

#[tokio::test]
async fn nothing_due_is_an_empty_round() {
    let mut p = Ports::new(None);
    claimed(&mut p, Vec::new());
    assert_eq!(
        p.service().deliver_due().await.unwrap(),
        DeliveryRound::default()
    );
}
