//! OpenID Connect Back-Channel Logout 1.0 over real HTTP on both backends: a small listener
//! plays the relying party's `backchannel_logout_uri`, and every logout token it receives is
//! verified here with josekit against Tessera's `/jwks` (typ, signature, claims, event).
//! Failed deliveries are retried with backoff, survive a restart of Tessera (the queue is in
//! the database), and a client that got nothing in the ended session hears nothing.

use crate::support::browser::{Browser, Page};
use crate::support::{test_config, Creds, TestApp};
use base64::Engine;
use josekit::jwk::JwkSet;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const ADMIN_TOKEN: &str = "test-admin-token-backchannel-0123456789";
const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// One POST the listener received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    form: BTreeMap<String, String>,
    answered: u16,
}

/// The relying parties' back channel: answers each POST with the next queued status (200 once
/// the queue is empty) and keeps what it got.
struct Listener {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
    task: JoinHandle<()>,
}

impl Listener {
    async fn start() -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(VecDeque::new()));
        let (r, a) = (received.clone(), answers.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = socket.accept().await {
                let (r, a) = (r.clone(), a.clone());
                tokio::spawn(async move { serve(stream, r, a).await });
            }
        });
        Listener {
            port,
            received,
            answers,
            task,
        }
    }

    fn uri(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn answer_next(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend(statuses);
    }

    fn at(&self, path: &str) -> Vec<Received> {
        let all = self.received.lock().unwrap();
        all.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits until `path` has received a POST answered `status`; returns everything it got.
    async fn wait_for(&self, path: &str, status: u16, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        while start.elapsed() < within {
            let got = self.at(path);
            if got.iter().any(|r| r.answered == status) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no POST to {path} answered {status} within {within:?}: {:?}",
            self.at(path)
        );
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP/1.1 request (headers, then `Content-Length` bytes) and answers it.
async fn serve(
    mut stream: TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while buf.len() < head_end + length {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..(head_end + length).min(buf.len())];
    let request_line = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default().to_owned();
    let status = answers.lock().unwrap().pop_front().unwrap_or(200);
    if method == "POST" {
        received.lock().unwrap().push(Received {
            path,
            content_type: header("content-type"),
            form: serde_urlencoded::from_bytes(body).unwrap_or_default(),
            answered: status,
        });
    }
    let reply = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\ncache-control: no-store\r\n\r\n"
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A server whose retries come fast, that may POST to loopback, with an admin token.
async fn spawn(db: TestDatabase) -> TestApp {
    let config = config(db.url());
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, Some("Grace")).await;
    app
}

fn config(db_url: &str) -> tessera_server::config::Config {
    let mut config = test_config(db_url);
    config.outbound.allow_private_addresses = true;
    config.hardening.backchannel_retry_base_secs = 1;
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    config
}

async fn client(app: &TestApp, name: &str, uri: Option<String>, session_required: bool) -> Creds {
    app.register(NewClient {
        name: name.into(),
        grants: vec!["authorization_code".into()],
        redirect_uris: vec![REDIRECT.into()],
        scope: "openid email".into(),
        backchannel_logout_uri: uri,
        backchannel_logout_session_required: session_required,
        ..NewClient::default()
    })
    .await
}

fn authorize_url(app: &TestApp, client_id: &str) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string(params).unwrap()
    )
}

/// Signs in (the first time) and consents, then redeems the code: the client's token response.
async fn tokens(app: &TestApp, browser: &mut Browser, client: &Creds) -> Value {
    let mut page: Page = browser.get(&authorize_url(app, &client.id)).await;
    for (field, value) in [("password", PASSWORD), ("decision", "allow")] {
        if page.status == 303 {
            break;
        }
        assert_eq!(page.status, 200, "{}", page.body);
        let mut form = page.form();
        if field == "password" {
            form.set("email", EMAIL);
        }
        form.set(field, value);
        page = browser.post(&app.url("/authorize"), &form).await;
    }
    assert_eq!(page.status, 303, "{}", page.body);
    let code = page.redirect_params()["code"].clone();
    let res = app
        .post_form(
            "/token",
            Some(client),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Signs the browser out through the RP-initiated logout endpoint (a hint: no confirmation).
async fn log_out(app: &TestApp, browser: &mut Browser, client: &Creds, id_token: &str) {
    let url = format!(
        "{}?{}",
        app.url("/logout"),
        serde_urlencoded::to_string([("id_token_hint", id_token)]).unwrap()
    );
    let page = browser.get(&url).await;
    assert!(page.status == 200 || page.status == 303, "{}", page.status);
    let again = browser.get(&authorize_url(app, &client.id)).await;
    assert_eq!(
        again.status, 200,
        "the login page again: the session has ended"
    );
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Verifies `token` against Tessera's `/jwks` with josekit alone; returns (header, claims).
async fn verify(app: &TestApp, token: &str) -> (Value, Value) {
    let jwks = app
        .http
        .get(app.url("/jwks"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let set = JwkSet::from_bytes(&jwks).unwrap();
    let header = decode_part(token, 0);
    let kid = header["kid"].as_str().unwrap();
    let jwk = set.get(kid).into_iter().next().expect("kid is published");
    let payload = match header["alg"].as_str().unwrap() {
        "RS256" => {
            let v = josekit::jws::RS256.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        "ES256" => {
            let v = josekit::jws::ES256.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        "EdDSA" => {
            let v = josekit::jws::EdDSA.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        other => panic!("unexpected alg {other}"),
    };
    (header, Value::Object(payload.claims_set().clone()))
}

/// Checks one received logout token for `client`, from the session of `id_token`.
async fn check_logout_token(app: &TestApp, got: &Received, client: &Creds, id_token: &str) {
    assert_eq!(got.content_type, "application/x-www-form-urlencoded");
    let token = got.form.get("logout_token").expect("a logout_token field");
    let (header, claims) = verify(app, token).await;
    assert_eq!(header["typ"], "logout+jwt");
    let id = decode_part(id_token, 1);
    assert_eq!(claims["iss"], app.url("").trim_end_matches('/'));
    assert_eq!(claims["aud"], client.id.as_str());
    assert_eq!(claims["sub"], id["sub"]);
    assert!(id["sid"].is_string(), "the ID token carries sid: {id}");
    assert_eq!(claims["sid"], id["sid"]);
    assert_eq!(claims["events"], serde_json::json!({ EVENT: {} }));
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let iat = claims["iat"].as_i64().unwrap();
    assert!(claims["exp"].as_i64().unwrap() > iat);
    assert!(claims.get("nonce").is_none(), "a logout token has no nonce");
}

async fn audit_events(app: &TestApp, action: &str) -> Vec<Value> {
    for _ in 0..100 {
        let r = app
            .http
            .get(app.url(&format!("/admin/audit?action={action}&limit=50")))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        let list = body["events"].as_array().unwrap().clone();
        if !list.is_empty() {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {action} event");
}

/// The client the person signed in to gets a verified logout token when the session ends
/// (and the delivery is audited); a client with a back-channel URI that got nothing in that
/// session gets nothing.
async fn delivered_to_the_session_clients_only(db: TestDatabase) {
    let listener = Listener::start().await;
    let app = spawn(db).await;
    let used = client(&app, "Used", Some(listener.uri("/used")), true).await;
    let unused = client(&app, "Unused", Some(listener.uri("/unused")), false).await;
    let mut browser = Browser::new();
    let t = tokens(&app, &mut browser, &used).await;
    let id_token = t["id_token"].as_str().unwrap().to_owned();
    assert!(listener.at("/used").is_empty(), "nothing before the logout");
    log_out(&app, &mut browser, &used, &id_token).await;
    let got = listener
        .wait_for("/used", 200, Duration::from_secs(10))
        .await;
    assert_eq!(got.len(), 1, "delivered once: {got:?}");
    check_logout_token(&app, &got[0], &used, &id_token).await;
    let audited = audit_events(&app, "backchannel_logout_delivered").await;
    assert_eq!(audited[0]["client_id"], used.id.as_str());
    let text = serde_json::to_string(&audited).unwrap();
    assert!(
        !text.contains(got[0].form["logout_token"].as_str()),
        "no token in the audit"
    );
    // Time for a wrong delivery to show up.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(
        listener.at("/unused").is_empty(),
        "{:?}",
        listener.at("/unused")
    );
    assert_eq!(listener.at("/used").len(), 1, "no second delivery");
    let _ = unused;
    app.stop().await;
}
both_backends!(delivery, delivered_to_the_session_clients_only);

/// A relying party that first answers 500 gets the token again, later, freshly signed.
async fn retried_after_a_failure(db: TestDatabase) {
    let listener = Listener::start().await;
    listener.answer_next(&[500]);
    let app = spawn(db).await;
    let rp = client(&app, "Flaky", Some(listener.uri("/flaky")), false).await;
    let mut browser = Browser::new();
    let t = tokens(&app, &mut browser, &rp).await;
    let id_token = t["id_token"].as_str().unwrap().to_owned();
    log_out(&app, &mut browser, &rp, &id_token).await;
    let got = listener
        .wait_for("/flaky", 200, Duration::from_secs(15))
        .await;
    assert_eq!(got.len(), 2, "one failure, one success: {got:?}");
    assert_eq!(got[0].answered, 500);
    check_logout_token(&app, &got[1], &rp, &id_token).await;
    let first = decode_part(&got[0].form["logout_token"], 1);
    let second = decode_part(&got[1].form["logout_token"], 1);
    assert_ne!(first["jti"], second["jti"], "each attempt is a new token");
    app.stop().await;
}
both_backends!(retries, retried_after_a_failure);

/// The queue is in the database: a delivery that failed before Tessera stopped is made by the
/// next Tessera on the same database. Ended here by the admin's "revoke sessions".
async fn delivered_after_a_restart(db: TestDatabase) {
    let listener = Listener::start().await;
    listener.answer_next(&[503, 503, 503, 503, 503, 503]);
    let app = spawn(db).await;
    let rp = client(&app, "Durable", Some(listener.uri("/durable")), false).await;
    let mut browser = Browser::new();
    let t = tokens(&app, &mut browser, &rp).await;
    let id_token = t["id_token"].as_str().unwrap().to_owned();
    let sub = decode_part(&id_token, 1)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .http
        .delete(app.url(&format!("/admin/users/{sub}/sessions")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    listener
        .wait_for("/durable", 503, Duration::from_secs(10))
        .await;
    let (db, config) = app.stop_keeping_database().await;
    listener.answers.lock().unwrap().clear();
    let before = listener.at("/durable").len();
    let app = TestApp::spawn_with(db, config).await;
    let got = listener
        .wait_for("/durable", 200, Duration::from_secs(15))
        .await;
    assert!(got.len() > before, "{got:?}");
    check_logout_token(&app, got.last().unwrap(), &rp, &id_token).await;
    app.stop().await;
}
both_backends!(restart, delivered_after_a_restart);
