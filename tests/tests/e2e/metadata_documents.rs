//! Client ID Metadata Documents end to end: a `client_id` that is the URL of a JSON document
//! served by a tiny HTTP server on 127.0.0.1 signs a person in through the real login and
//! consent pages (code + PKCE, public client), the document is fetched once within its
//! max-age, a document whose `client_id` differs is refused, and with
//! `outbound.allow_private_addresses` off the loopback URL is refused without any connection
//! (SSRF). Both backends.

use crate::support::browser::{Browser, Page};
use crate::support::relying_party::{id_token_claims, Authorization};
use crate::support::{test_config, TestApp};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const CALLBACK: &str = "http://127.0.0.1/callback";

/// Serves `/client.json` (a valid document, `max-age=300`) and `/mismatch.json` (whose
/// `client_id` names another URL), counting every connection.
struct DocumentServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl DocumentServer {
    async fn start() -> DocumentServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let own_url = format!("http://{addr}{path}");
                    let client_id = match path.as_str() {
                        "/mismatch.json" => format!("http://{addr}/client.json"),
                        _ => own_url,
                    };
                    let body = json!({
                        "client_id": client_id,
                        "client_name": "Notes",
                        "redirect_uris": [CALLBACK],
                        "grant_types": ["authorization_code", "refresh_token"],
                        "response_types": ["code"],
                        "token_endpoint_auth_method": "none",
                        "scope": "openid email offline_access"
                    })
                    .to_string();
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Cache-Control: public, max-age=300\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        DocumentServer { addr, connections }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A Tessera that may fetch from loopback (`outbound.allow_private_addresses = true`).
async fn development_app(db: TestDatabase) -> TestApp {
    let mut config = test_config(db.url());
    config.outbound.allow_private_addresses = true;
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    app
}

/// Through the login page (if shown) and the consent page; the final redirect.
async fn sign_in(app: &TestApp, browser: &mut Browser, url: &str, host: &str) -> Page {
    let mut page = browser.get(url).await;
    if page.status == 200 && page.body.contains("name=\"password\"") {
        assert!(
            page.body.contains(host),
            "the login page names the host: {}",
            page.body
        );
        let mut form = page.form();
        form.set("email", EMAIL).set("password", PASSWORD);
        page = browser.post(&app.url("/authorize"), &form).await;
    }
    if page.status == 200 {
        assert!(
            page.body
                .contains(&format!("<strong>{host}</strong> wants to")),
            "the consent page shows the host prominently: {}",
            page.body
        );
        assert!(page.body.contains("calls itself"), "{}", page.body);
        let mut form = page.form();
        form.set("decision", "allow");
        page = browser.post(&app.url("/authorize"), &form).await;
    }
    assert_eq!(page.status, 303, "{}", page.body);
    page
}

async fn metadata_document_client_signs_in_and_its_document_is_cached(db: TestDatabase) {
    let app = development_app(db).await;
    let server = DocumentServer::start().await;
    let client_id = server.url("/client.json");
    let host = server.addr.to_string();

    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let doc: Value = app
            .http
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["client_id_metadata_document_supported"], true, "{path}");
    }

    let mut browser = Browser::new();
    let auth = Authorization::new(
        &app,
        &client_id,
        CALLBACK,
        "openid email offline_access",
        &[],
    );
    let page = sign_in(&app, &mut browser, &auth.url, &host).await;
    let params = page.redirect_params();
    assert_eq!(params["state"], auth.state);
    let res = app
        .post_form(
            "/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("code", &params["code"]),
                ("redirect_uri", CALLBACK),
                ("code_verifier", &auth.verifier),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "the public client redeems its code by client_id alone"
    );
    let tokens: Value = res.json().await.unwrap();
    let claims = id_token_claims(&tokens);
    assert_eq!(claims["aud"], client_id.as_str());
    assert_eq!(claims["nonce"], auth.nonce.as_str());

    // Refresh as the same public client.
    let res = app
        .post_form(
            "/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client_id),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "refresh works for the document client");

    // A second authorization within max-age: the consent given counts, no refetch.
    let again = Authorization::new(&app, &client_id, CALLBACK, "openid email", &[]);
    let page = sign_in(&app, &mut browser, &again.url, &host).await;
    assert!(page.redirect_params().contains_key("code"));
    assert_eq!(server.connections(), 1, "fetched once within its max-age");

    // A secret is never accepted for a document client.
    let res = app
        .http
        .post(app.url("/token"))
        .basic_auth(&client_id, Some("guess"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    app.stop().await;
}

async fn a_document_whose_client_id_differs_is_refused(db: TestDatabase) {
    let app = development_app(db).await;
    let server = DocumentServer::start().await;
    let client_id = server.url("/mismatch.json");
    let mut browser = Browser::new();
    let auth = Authorization::new(&app, &client_id, CALLBACK, "openid", &[]);
    let page = browser.get(&auth.url).await;
    assert_eq!(
        page.status, 400,
        "an error page, never a redirect: {}",
        page.body
    );
    assert!(page.location().is_none());
    assert!(page.body.contains("does not match"), "{}", page.body);
    let res = app
        .post_form(
            "/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("code", "whatever"),
                ("redirect_uri", CALLBACK),
                ("code_verifier", &auth.verifier),
            ],
        )
        .await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    app.stop().await;
}

async fn ssrf_loopback_document_urls_are_refused_without_a_connection(db: TestDatabase) {
    let app = TestApp::spawn(db).await; // outbound.allow_private_addresses off
    let server = DocumentServer::start().await;
    let port = server.addr.port();
    let mut browser = Browser::new();
    for client_id in [
        server.url("/client.json"),
        format!("https://127.0.0.1:{port}/client.json"),
        format!("https://localhost:{port}/client.json"),
        format!("https://[::1]:{port}/client.json"),
    ] {
        let auth = Authorization::new(&app, &client_id, CALLBACK, "openid", &[]);
        let page = browser.get(&auth.url).await;
        assert_eq!(page.status, 400, "{client_id}: {}", page.body);
        assert!(
            page.body.contains("could not be fetched") && !page.body.contains("127.0.0.1 is"),
            "a fetch failure is not detailed on the page: {}",
            page.body
        );
        let res = app
            .post_form(
                "/token",
                None,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &client_id),
                    ("code", "whatever"),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", &auth.verifier),
                ],
            )
            .await;
        assert_eq!(res.status(), 401, "{client_id}");
    }
    assert_eq!(server.connections(), 0, "no connection was ever made");
    app.stop().await;
}

both_backends!(
    cimd_sign_in_and_cache,
    metadata_document_client_signs_in_and_its_document_is_cached
);
both_backends!(
    cimd_mismatched_client_id,
    a_document_whose_client_id_differs_is_refused
);
both_backends!(
    cimd_ssrf_loopback_refused,
    ssrf_loopback_document_urls_are_refused_without_a_connection
);
