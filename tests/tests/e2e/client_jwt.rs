//! JWT client authentication end to end (RFC 7523, OIDC Core §9): a third-party client
//! (oauth4webapi, `tests/mcp/client_jwt.mjs`) gets tokens, introspects and revokes with
//! `private_key_jwt` (its ES256 key made by jose in the script) and `client_secret_jwt`; then
//! assertions built here with josekit are refused for every reason the issue names (replayed
//! `jti`, wrong `aud`, expired, `exp` too far ahead, unknown key, `alg: none`, HS256 keyed with
//! the public key), all as `invalid_client`; and a `jwks_uri` served on 127.0.0.1 is fetched and
//! fetched again when the client rotates in a new key. Both backends.

use crate::support::node::run_node_script;
use crate::support::{test_config, TestApp};
use base64::Engine;
use josekit::jwk::{Jwk, KeyPair};
use josekit::jws::{JwsHeader, JwsSigner, ES256};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An ES256 key made here: its signer and public JWK (with `kid`).
struct Key {
    signer: Box<dyn JwsSigner>,
    public: Value,
}

fn es256(kid: &str) -> Key {
    let pair = ES256.generate_key_pair().unwrap();
    let mut private: Jwk = pair.to_jwk_private_key();
    private.set_key_id(kid);
    let mut public: serde_json::Map<String, Value> = pair.to_jwk_public_key().into();
    public.insert("kid".into(), json!(kid));
    Key {
        signer: Box::new(ES256.signer_from_jwk(&private).unwrap()),
        public: Value::Object(public),
    }
}

fn jwks(keys: &[&Key]) -> String {
    json!({"keys": keys.iter().map(|k| k.public.clone()).collect::<Vec<_>>()}).to_string()
}

/// Claims of a good assertion by `client_id` for `aud`.
fn claims(client_id: &str, aud: &str) -> Value {
    let t = now();
    json!({"iss": client_id, "sub": client_id, "aud": aud, "iat": t, "exp": t + 60,
           "jti": format!("jti-{t}-{}", NEXT.fetch_add(1, Ordering::SeqCst))})
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn sign(key: &Key, kid: &str, claims: &Value) -> String {
    let mut header = JwsHeader::new();
    header.set_key_id(kid);
    josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, key.signer.as_ref())
        .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn post_assertion(
    app: &TestApp,
    path: &str,
    assertion: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    form.extend_from_slice(extra);
    let res = app.post_form(path, None, &form).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn token_with(app: &TestApp, assertion: &str) -> (u16, Value) {
    post_assertion(
        app,
        "/token",
        assertion,
        &[("grant_type", "client_credentials")],
    )
    .await
}

fn key_client(jwks: Option<String>, jwks_uri: Option<String>) -> NewClient {
    NewClient {
        name: "key client".into(),
        grants: vec!["client_credentials".into()],
        scope: "read write".into(),
        auth_method: Some("private_key_jwt".into()),
        jwks,
        jwks_uri,
        ..NewClient::default()
    }
}

async fn oauth4webapi_private_key_jwt(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let keys = run_node_script("client_jwt.mjs", &[("MODE", "keygen")]).await;
    let client = app
        .register(key_client(
            Some(json!({"keys": [keys["public_jwk"]]}).to_string()),
            None,
        ))
        .await;
    assert!(
        client.secret.is_empty(),
        "a private_key_jwt client has no secret"
    );
    let private = keys["private_jwk"].to_string();
    let report = run_node_script(
        "client_jwt.mjs",
        &[
            ("MODE", "private_key_jwt"),
            ("ISSUER", &app.base),
            ("CLIENT_ID", &client.id),
            ("PRIVATE_JWK", &private),
        ],
    )
    .await;
    let methods = report["discovery"]["methods"].as_array().unwrap();
    assert!(methods.contains(&json!("private_key_jwt")), "{report}");
    assert!(methods.contains(&json!("client_secret_jwt")), "{report}");
    let algs = report["discovery"]["algs"].as_array().unwrap();
    assert!(
        algs.contains(&json!("ES256")) && !algs.contains(&json!("none")),
        "{report}"
    );
    assert_eq!(report["token_type"], "bearer", "{report}"); // oauth4webapi lowercases it
    assert_eq!(report["scope"], "read", "{report}");
    assert_eq!(
        report["second_token"], true,
        "aud = token endpoint: {report}"
    );
    assert_eq!(report["active_before"], true, "{report}");
    assert_eq!(report["client_id_before"], client.id.as_str(), "{report}");
    assert_eq!(report["active_after_revocation"], false, "{report}");
    assert_eq!(report["other_still_active"], true, "{report}");
    app.stop().await;
}

async fn oauth4webapi_client_secret_jwt(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let client = app.service_client("client_secret_jwt").await;
    assert_eq!(
        client.secret.len(),
        43,
        "the secret is shown once at creation"
    );
    let report = run_node_script(
        "client_jwt.mjs",
        &[
            ("MODE", "client_secret_jwt"),
            ("ISSUER", &app.base),
            ("CLIENT_ID", &client.id),
            ("CLIENT_SECRET", &client.secret),
        ],
    )
    .await;
    assert_eq!(report["token_type"], "bearer", "{report}"); // oauth4webapi lowercases it
    assert_eq!(report["active"], true, "{report}");
    assert_eq!(report["client_id"], client.id.as_str(), "{report}");
    // The secret itself, sent the plain way, is refused: the registered method is the JWT.
    let res = app
        .post_form(
            "/token",
            Some(&client),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(res.status(), 401);
    app.stop().await;
}

async fn refused_assertions(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let key = es256("k1");
    let client = app.register(key_client(Some(jwks(&[&key])), None)).await;
    let id = client.id.as_str();
    let issuer = app.base.as_str();
    let refused = |(status, body): (u16, Value), why: &str| {
        assert_eq!(status, 401, "{why}: {body}");
        assert_eq!(body["error"], "invalid_client", "{why}: {body}");
    };

    // A good assertion works, with aud the issuer or the endpoint, at /token and /introspect.
    let good = sign(&key, "k1", &claims(id, issuer));
    let (status, body) = token_with(&app, &good).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = token_with(&app, &sign(&key, "k1", &claims(id, &app.url("/token")))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_assertion(
        &app,
        "/introspect",
        &sign(&key, "k1", &claims(id, &app.url("/introspect"))),
        &[("token", &access)],
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");

    // Replayed jti.
    refused(token_with(&app, &good).await, "replayed jti");
    // Wrong aud: another server, or another endpoint of this one.
    refused(
        token_with(
            &app,
            &sign(&key, "k1", &claims(id, "https://elsewhere.example")),
        )
        .await,
        "wrong aud",
    );
    refused(
        token_with(
            &app,
            &sign(&key, "k1", &claims(id, &app.url("/introspect"))),
        )
        .await,
        "aud of another endpoint",
    );
    // Expired, and valid for too long.
    let mut expired = claims(id, issuer);
    expired["exp"] = json!(now() - 120);
    expired["iat"] = json!(now() - 180);
    refused(
        token_with(&app, &sign(&key, "k1", &expired)).await,
        "expired",
    );
    let mut long = claims(id, issuer);
    long["exp"] = json!(now() + 3600);
    refused(
        token_with(&app, &sign(&key, "k1", &long)).await,
        "exp an hour ahead",
    );
    // Unknown key: signed by a key the client never registered.
    let stranger = es256("k2");
    refused(
        token_with(&app, &sign(&stranger, "k2", &claims(id, issuer))).await,
        "unknown kid",
    );
    refused(
        token_with(&app, &sign(&stranger, "k1", &claims(id, issuer))).await,
        "another key under the registered kid",
    );
    // alg none.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"k1"}"#),
        b64(claims(id, issuer).to_string().as_bytes())
    );
    refused(token_with(&app, &none).await, "alg none");
    // HS256 keyed with the client's public key material (the registered JWKS, the JWK, x).
    for public_bytes in [
        jwks(&[&key]),
        key.public.to_string(),
        key.public["x"].as_str().unwrap().to_owned(),
    ] {
        let padded = format!("{public_bytes:0<32}");
        let signer = josekit::jws::HS256
            .signer_from_bytes(padded.as_bytes())
            .unwrap();
        let mut header = JwsHeader::new();
        header.set_key_id("k1");
        let forged = josekit::jws::serialize_compact(
            claims(id, issuer).to_string().as_bytes(),
            &header,
            &signer,
        )
        .unwrap();
        refused(token_with(&app, &forged).await, "HS256 with the public key");
    }
    // Two methods at once.
    let (status, body) = post_assertion(
        &app,
        "/token",
        &sign(&key, "k1", &claims(id, issuer)),
        &[("grant_type", "client_credentials"), ("client_secret", "x")],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_request")),
        "{body}"
    );
    app.stop().await;
}

/// Serves whatever JWKS `published` holds at any path, counting connections.
struct JwksServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(published: Arc<Mutex<String>>) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = published.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Cache-Control: max-age=300\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        JwksServer { addr, connections }
    }
}

async fn jwks_uri_is_fetched_cached_and_refetched_for_a_new_key(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.outbound.allow_private_addresses = true;
    let app = TestApp::spawn_with(db, config).await;
    let old = es256("old");
    let published = Arc::new(Mutex::new(jwks(&[&old])));
    let server = JwksServer::start(published.clone()).await;
    let client = app
        .register(key_client(
            None,
            Some(format!("http://{}/jwks.json", server.addr)),
        ))
        .await;
    let id = client.id.as_str();
    for _ in 0..2 {
        let (status, body) = token_with(&app, &sign(&old, "old", &claims(id, &app.base))).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "cached");
    // The client rotates in a new key: the unknown kid makes Tessera fetch the set again.
    let new = es256("new");
    *published.lock().unwrap() = jwks(&[&old, &new]);
    let (status, body) = token_with(&app, &sign(&new, "new", &claims(id, &app.base))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        2,
        "refetched once"
    );
    // A key it never published: one more refetch is not allowed so soon, and it is refused.
    let stranger = es256("zz");
    let (status, body) = token_with(&app, &sign(&stranger, "zz", &claims(id, &app.base))).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_client")),
        "{body}"
    );
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        2,
        "rate-limited refetch"
    );
    app.stop().await;
}

both_backends!(
    client_jwt_oauth4webapi_private_key_jwt,
    oauth4webapi_private_key_jwt
);
both_backends!(
    client_jwt_oauth4webapi_client_secret_jwt,
    oauth4webapi_client_secret_jwt
);
both_backends!(client_jwt_refused_assertions, refused_assertions);
both_backends!(
    client_jwt_jwks_uri,
    jwks_uri_is_fetched_cached_and_refetched_for_a_new_key
);
