//! Tessera as the authorization server of an MCP server, checked with the official MCP
//! TypeScript SDK (`@modelcontextprotocol/sdk`, tests/mcp) on both backends: `server.mjs` is an
//! MCP server made with the SDK whose bearer check verifies Tessera's access tokens (RFC 9068,
//! JWKS, issuer, expiry, audience = its own URL) and that publishes protected resource metadata
//! (RFC 9728); `client.mjs` is the SDK's client, whose OAuth provider finds Tessera through
//! that metadata, registers (RFC 7591, or by a Client ID Metadata Document), sends a person
//! through the login and consent pages with PKCE and `resource` (RFC 8707), and calls a tool.
//! Tokens for another audience are refused.
//!
//! Node.js and `tests/mcp/node_modules` (`npm ci --prefix tests/mcp`, which `make test` runs)
//! must be there: without them these tests fail and say so. Every child process is killed
//! when its handle drops, so also when an assertion fails, and every wait is bounded.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{test_config, Creds, TestApp};
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// The scope the MCP server's tools need (server.mjs's default).
const SCOPE: &str = "mcp:tools";
/// Another registered resource, for tokens with the wrong audience.
const OTHER_RESOURCE: &str = "https://api.example.com/other";
/// The longest any one Node.js process may take.
const BOUND: Duration = Duration::from_secs(60);

/// `tests/mcp`, with its packages installed.
fn mcp_dir() -> PathBuf {
    crate::support::node::node_dir()
}

/// Tessera with a user, and outbound fetches allowed to loopback (the
/// client's metadata document is served on 127.0.0.1).
async fn tessera(db: TestDatabase) -> TestApp {
    let mut config = test_config(db.url());
    allow_private_addresses(&mut config);
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    app
}

/// `outbound.allow_private_addresses = true`, which the metadata-document scenario needs for
/// its `http://127.0.0.1` client_id (development and tests only; production refuses it).
fn allow_private_addresses(config: &mut tessera_server::Config) {
    config.outbound.allow_private_addresses = true;
}

/// Tessera's RFC 8414 metadata, which the SDK reads; fails naming `what` when `key` is not there.
async fn assert_advertised(app: &TestApp, key: &str, what: &str) {
    let metadata: Value = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("JSON metadata");
    assert!(
        !metadata[key].is_null() && metadata[key] != false,
        "Tessera's metadata has no {key}: {what} is missing, which the MCP SDK needs: {metadata}"
    );
}

/// Registers a protected resource in Tessera's store (what `tessera resource create` and the
/// admin API do through their service), with no resource-server clients.
async fn register_resource(app: &TestApp, identifier: &str, scope: &str) {
    app.add_resource(identifier, scope, &[]).await;
}

/// A running `node server.mjs`: killed when dropped.
struct McpServer {
    /// The MCP endpoint, which is also its resource identifier.
    url: String,
    stderr: Arc<Mutex<String>>,
    _child: Child,
}

impl McpServer {
    async fn start(app: &TestApp) -> McpServer {
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(mcp_dir())
            .env("TESSERA_ISSUER", &app.base)
            .env("MCP_SCOPE", SCOPE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node server.mjs starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("its stderr");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let first = tokio::time::timeout(BOUND, lines.next_line()).await;
        let url = match first {
            Ok(Ok(Some(line))) => line.trim().to_owned(),
            other => panic!(
                "server.mjs printed no URL ({other:?}); its stderr: {}",
                stderr.lock().unwrap()
            ),
        };
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
            "{url}"
        );
        McpServer {
            url,
            stderr,
            _child: child,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

/// Runs `node client.mjs` in `mode` with `env`; its JSON report, or a failure that shows
/// what both Node.js processes said.
async fn run_client(server: &McpServer, mode: &str, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new("node");
    cmd.arg("client.mjs")
        .current_dir(mcp_dir())
        .env("MCP_SERVER_URL", &server.url)
        .env("MCP_CLIENT_MODE", mode)
        .env("TESSERA_EMAIL", EMAIL)
        .env("TESSERA_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = tokio::time::timeout(BOUND, cmd.output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "client.mjs ({mode}) ran longer than {BOUND:?}; server: {}",
                server.stderr()
            )
        })
        .expect("node client.mjs runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "client.mjs ({mode}) failed: {}\nits report: {stdout}\nits stderr: {stderr}\nserver.mjs stderr: {}",
        output.status,
        server.stderr()
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("client.mjs ({mode}) printed no JSON ({e}): {stdout}"))
}

/// The requests the SDK made, as `METHOD URL STATUS` lines.
fn trace(report: &Value) -> Vec<String> {
    report["requests"]
        .as_array()
        .expect("a request trace")
        .iter()
        .map(|r| format!("{} {} {}", r["method"], r["url"], r["status"]).replace('"', ""))
        .collect()
}

/// What every successful sign-in through the SDK shows: discovery from the 401 through the
/// protected resource metadata to Tessera's metadata, PKCE S256 and `resource` on the
/// authorization request and the code exchange, a token for this server only, the tool call.
fn assert_signed_in_and_called(app: &TestApp, server: &McpServer, report: &Value) {
    let trace = trace(report);
    let prm = server
        .url
        .replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let expected_start = [
        format!("POST {} 401", server.url),
        format!("GET {prm} 200"),
        format!(
            "GET {} 200",
            app.url("/.well-known/oauth-authorization-server")
        ),
    ];
    assert_eq!(
        trace[..3],
        expected_start,
        "discovery, in order: {trace:#?}"
    );
    assert!(
        trace.contains(&format!("POST {} 200", server.url)),
        "the MCP requests succeed in the end: {trace:#?}"
    );

    let client_id = report["client_id"].as_str().expect("a client_id");
    let request = &report["authorization"]["request"];
    assert_eq!(request["client_id"], client_id);
    assert_eq!(request["response_type"], "code");
    assert_eq!(request["code_challenge_method"], "S256");
    assert_eq!(
        request["resource"],
        server.url.as_str(),
        "RFC 8707 resource"
    );
    assert_eq!(request["scope"], SCOPE, "the scope of the 401 challenge");
    assert_eq!(
        report["authorization"]["iss"],
        app.base.as_str(),
        "RFC 9207"
    );
    let pages: Vec<&str> = report["authorization"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["page"].as_str().unwrap())
        .collect();
    assert_eq!(
        pages,
        ["login", "consent"],
        "the person signs in and, the first time (and always for a client nobody registered \
         by hand), allows on the consent page"
    );
    let consent = report["authorization"]["pages"][1]["text"]
        .as_str()
        .unwrap();
    assert!(
        consent.contains(&server.url),
        "the consent page names the MCP server: {consent}"
    );

    let exchange = report["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["url"] == app.url("/token").as_str())
        .expect("a token request");
    assert_eq!(exchange["status"], 200, "{exchange}");
    assert_eq!(exchange["form"]["grant_type"], "authorization_code");
    assert_eq!(exchange["form"]["code_verifier"], "(present)", "PKCE");
    assert_eq!(exchange["form"]["resource"], server.url.as_str());

    let token = &report["token"];
    assert_eq!(token["iss"], app.base.as_str());
    assert_eq!(
        token["aud"],
        server.url.as_str(),
        "audience-restricted: {token}"
    );
    assert_eq!(token["client_id"], client_id);
    assert_eq!(token["scope"], SCOPE);
    assert_eq!(report["token_type"], "Bearer");

    assert_eq!(report["tools"], json!(["add", "whoami"]));
    assert_eq!(report["add"], "5", "the tool call succeeds: {report}");
    assert_eq!(report["add_is_error"], false);
    let seen = &report["whoami"];
    assert_eq!(
        seen["aud"],
        server.url.as_str(),
        "the server saw its own audience"
    );
    assert_eq!(seen["client_id"], client_id);
    assert_eq!(seen["sub"], token["sub"]);
    assert_eq!(seen["scopes"], json!([SCOPE]));
}

/// The SDK's flow with a public client the operator registered (`tessera client create
/// --public`): discovery, PKCE, `resource`, the audience-restricted token, the tool call.
async fn preregistered_client(db: TestDatabase) {
    let app = tessera(db).await;
    let server = McpServer::start(&app).await;
    register_resource(&app, &server.url, SCOPE).await;
    let client = app
        .register(NewClient {
            name: "MCP client".into(),
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
            scope: SCOPE.into(),
            auth_method: Some("none".into()),
            public: true,
            ..NewClient::default()
        })
        .await;

    let report = run_client(&server, "preregistered", &[("MCP_CLIENT_ID", &client.id)]).await;
    assert_signed_in_and_called(&app, &server, &report);
    assert_eq!(report["client_id"], client.id.as_str());
    assert_eq!(report["registered"], Value::Null);
    app.stop().await;
}
both_backends!(mcp_sdk_preregistered_client, preregistered_client);

/// The SDK registers itself at Tessera's `/register` (RFC 7591) and calls the tool.
async fn dynamic_registration(db: TestDatabase) {
    let app = tessera(db).await;
    assert_advertised(
        &app,
        "registration_endpoint",
        "dynamic registration (RFC 7591)",
    )
    .await;
    let server = McpServer::start(&app).await;
    register_resource(&app, &server.url, SCOPE).await;

    let report = run_client(&server, "dcr", &[]).await;
    assert_signed_in_and_called(&app, &server, &report);
    let registered = &report["registered"];
    assert_eq!(registered["client_id"], report["client_id"], "{report}");
    assert_eq!(registered["has_secret"], false, "a public native client");
    assert!(
        trace(&report).contains(&format!("POST {} 201", app.url("/register"))),
        "{:#?}",
        trace(&report)
    );
    app.stop().await;
}
both_backends!(mcp_sdk_dynamic_registration, dynamic_registration);

/// The client's id is the URL of its Client ID Metadata Document, which Tessera fetches.
async fn metadata_document(db: TestDatabase) {
    let app = tessera(db).await;
    assert_advertised(
        &app,
        "client_id_metadata_document_supported",
        "Client ID Metadata Documents",
    )
    .await;
    let server = McpServer::start(&app).await;
    register_resource(&app, &server.url, SCOPE).await;

    let report = run_client(&server, "cimd", &[]).await;
    assert_signed_in_and_called(&app, &server, &report);
    let client_id = report["client_id"].as_str().unwrap();
    assert!(
        client_id.starts_with("http://127.0.0.1:") && client_id.ends_with("/client-metadata.json"),
        "{client_id}"
    );
    assert_eq!(report["registered"], Value::Null, "no dynamic registration");
    assert!(
        !trace(&report).iter().any(|t| t.contains("/register")),
        "{:#?}",
        trace(&report)
    );
    app.stop().await;
}
both_backends!(mcp_sdk_metadata_document, metadata_document);

/// A client_credentials token for `service`, with `resource` when given.
async fn service_token(app: &TestApp, service: &Creds, resource: Option<&str>) -> String {
    let mut form = vec![("grant_type", "client_credentials"), ("scope", SCOPE)];
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    let res = app.post_form("/token", Some(service), &form).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status, 200,
        "client_credentials with resource {resource:?}: {body}"
    );
    body["access_token"].as_str().unwrap().to_owned()
}

/// Only tokens whose audience is the MCP server get through: one for another registered
/// resource and one without `resource` (audience: Tessera itself) are refused with 401 and
/// the RFC 9728 challenge; the same client's token for this server is accepted.
async fn wrong_audience(db: TestDatabase) {
    let app = tessera(db).await;
    let server = McpServer::start(&app).await;
    register_resource(&app, &server.url, SCOPE).await;
    register_resource(&app, OTHER_RESOURCE, SCOPE).await;
    let service = app
        .register(NewClient {
            name: "agent".into(),
            grants: vec!["client_credentials".into()],
            scope: SCOPE.into(),
            ..NewClient::default()
        })
        .await;
    for (resource, audience) in [
        (Some(OTHER_RESOURCE), OTHER_RESOURCE),
        (None, app.base.as_str()),
    ] {
        let token = service_token(&app, &service, resource).await;
        let report = run_client(&server, "bearer", &[("MCP_BEARER_TOKEN", &token)]).await;
        assert_eq!(report["token"]["aud"], audience, "{report}");
        assert_eq!(report["accepted"], false, "{report}");
        assert_eq!(report["status"], 401, "{report}");
        let challenge = report["www_authenticate"].as_str().unwrap();
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
            "{challenge}"
        );
        assert!(
            challenge.contains(&format!(
                "resource_metadata=\"{}\"",
                server
                    .url
                    .replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
            )),
            "{challenge}"
        );
    }

    // The control: the same client, the same scope, this server's audience.
    let token = service_token(&app, &service, Some(&server.url)).await;
    let report = run_client(
        &server,
        "bearer",
        &[("MCP_BEARER_TOKEN", &token), ("MCP_EXPECT", "accepted")],
    )
    .await;
    assert_eq!(report["token"]["aud"], server.url.as_str());
    assert_eq!(report["add"], "5", "{report}");
    app.stop().await;
}
both_backends!(mcp_sdk_wrong_audience, wrong_audience);
