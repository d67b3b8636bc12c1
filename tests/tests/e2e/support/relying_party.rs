//! A stub relying party for the browser tests: a redirect endpoint on a local TCP port, the
//! authorization request it sends people with (PKCE S256, state, nonce), and its back channel
//! (the code for tokens, the ID token's claims).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::chromium::STEP;
use super::{Creds, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::CsrfToken;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One authorization request as a relying party makes it: PKCE S256 (RFC 7636 §4.1-4.2) with a
/// 43-character verifier from 32 random bytes, a random state and nonce.
pub struct Authorization {
    /// The `/authorize` URL to send the browser to.
    pub url: String,
    pub verifier: String,
    pub state: String,
    pub nonce: String,
}

impl Authorization {
    /// A code-flow request for `client_id` redirecting to `callback`, plus `extra` parameters.
    pub fn new(
        app: &TestApp,
        client_id: &str,
        callback: &str,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> Authorization {
        let verifier = CsrfToken::new_random_len(32).secret().clone();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = CsrfToken::new_random().secret().clone();
        let nonce = CsrfToken::new_random().secret().clone();
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", callback),
            ("scope", scope),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        let url = format!(
            "{}?{}",
            app.url("/authorize"),
            serde_urlencoded::to_string(params).unwrap()
        );
        Authorization {
            url,
            verifier,
            state,
            nonce,
        }
    }

    /// The back channel: exchanges `code` at `/token`; the token response.
    pub async fn redeem(&self, app: &TestApp, creds: &Creds, callback: &str, code: &str) -> Value {
        let res = app
            .post_form(
                "/token",
                Some(creds),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", callback),
                    ("code_verifier", &self.verifier),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "the code is redeemed");
        res.json().await.unwrap()
    }
}

/// The claims of a token response's ID token (its signature is checked elsewhere).
pub fn id_token_claims(tokens: &Value) -> Value {
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    let payload = id_token.split('.').nth(1).expect("a JWS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A relying party's redirect endpoint: answers `GET /callback?…` with a page echoing the code
/// and records each query string it received. Stops when dropped.
pub struct StubRelyingParty {
    port: u16,
    queries: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl StubRelyingParty {
    /// Listens on a free loopback port.
    pub async fn start() -> StubRelyingParty {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let queries = Arc::new(Mutex::new(Vec::new()));
        let recorded = queries.clone();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts the connections too.
            let mut connections = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                connections.spawn(answer(socket, recorded.clone()));
                while connections.try_join_next().is_some() {}
            }
        });
        StubRelyingParty {
            port,
            queries,
            task,
        }
    }

    /// The redirect URI to register.
    pub fn callback(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// The query of the first callback, waiting for it.
    pub async fn wait_for_callback(&self) -> String {
        self.wait_for_nth_callback(0).await
    }

    /// How many callbacks arrived so far.
    pub fn callbacks(&self) -> usize {
        self.queries.lock().unwrap().len()
    }

    /// The query of callback number `index` (from 0), waiting for it.
    pub async fn wait_for_nth_callback(&self, index: usize) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            if let Some(q) = self.queries.lock().unwrap().get(index) {
                return q.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no callback number {index} reached the relying party"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for StubRelyingParty {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head and answers it; the connection is then closed.
async fn answer(mut socket: TcpStream, queries: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(STEP, async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    if read != Ok(true) {
        return;
    }
    let head = String::from_utf8_lossy(&head);
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (
        request_line.next().unwrap_or(""),
        request_line.next().unwrap_or(""),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, body) = if method == "GET" && path == "/callback" {
        queries.lock().unwrap().push(query.to_owned());
        let params: BTreeMap<String, String> =
            serde_urlencoded::from_str(query).unwrap_or_default();
        let code = params.get("code").map(String::as_str).unwrap_or("");
        let code = code
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        (
            "200 OK",
            format!(
                "<!doctype html>\n<title>Stub relying party</title>\n\
                 <h1>Stub relying party</h1>\n<p>code: <code id=\"code\">{code}</code></p>\n"
            ),
        )
    } else {
        ("404 Not Found", "not found\n".to_owned())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}
