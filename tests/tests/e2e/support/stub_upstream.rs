//! A stub upstream identity provider on a local port: an OpenID Provider (discovery, JWKS, an
//! authorization endpoint that signs the person in at once, a token endpoint returning ID
//! tokens signed with a test ES256 key) and GitHub's OAuth and user API endpoints. Its
//! [`StubMode`] makes it misbehave in the ways a downstream must refuse.

#![allow(dead_code)]

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, ES256};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// How the stub behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubMode {
    /// Everything right.
    Good,
    /// The ID token's payload is altered after signing.
    TamperedToken,
    /// The ID token carries another nonce.
    WrongNonce,
    /// The authorization response names another issuer (`iss`, RFC 9207).
    MixUp,
    /// The token endpoint answers 503.
    TokenDown,
}

struct Shared {
    issuer: String,
    mode: Mutex<StubMode>,
    /// code → (nonce, client_id)
    codes: Mutex<HashMap<String, (Option<String>, String)>>,
    private: Jwk,
    public: Value,
    subject: Mutex<String>,
    email: Mutex<String>,
    token_requests: Mutex<usize>,
}

/// The running stub; stops when dropped.
pub struct StubUpstream {
    /// `http://127.0.0.1:PORT`: the issuer (and GitHub's web and API base).
    pub issuer: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl StubUpstream {
    /// Starts the stub.
    pub async fn start() -> StubUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let pair = ES256.generate_key_pair().unwrap();
        let mut private = pair.to_jwk_private_key();
        private.set_key_id("stub-key");
        let mut public: serde_json::Map<String, Value> = pair.to_jwk_public_key().into();
        public.insert("kid".into(), json!("stub-key"));
        public.insert("alg".into(), json!("ES256"));
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            mode: Mutex::new(StubMode::Good),
            codes: Mutex::new(HashMap::new()),
            private,
            public: Value::Object(public),
            subject: Mutex::new("stub-person-1".into()),
            email: Mutex::new("stub.person@example.com".into()),
            token_requests: Mutex::new(0),
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/login/oauth/authorize", web::get().to(authorize))
                .route("/login/oauth/access_token", web::post().to(github_token))
                .route("/user", web::get().to(github_user))
                .route("/user/emails", web::get().to(github_emails))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        StubUpstream {
            issuer,
            shared,
            handle,
        }
    }

    /// Changes its behaviour.
    pub fn set_mode(&self, mode: StubMode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Changes who signs in (sub and email).
    pub fn set_person(&self, sub: &str, email: &str) {
        *self.shared.subject.lock().unwrap() = sub.into();
        *self.shared.email.lock().unwrap() = email.into();
    }

    /// How many token requests it answered.
    pub fn token_requests(&self) -> usize {
        *self.shared.token_requests.lock().unwrap()
    }

    /// Stops it (the upstream is "down" from then on).
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn discovery(s: web::Data<Shared>) -> HttpResponse {
    let i = &s.issuer;
    HttpResponse::Ok().json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

async fn jwks(s: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "keys": [s.public.clone()] }))
}

/// Signs the person in at once: back to `redirect_uri` with a code, the state and `iss`.
async fn authorize(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    let q: HashMap<String, String> = serde_urlencoded::from_str(req.query_string()).unwrap();
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert!(q.get("code_challenge").is_some_and(|c| c.len() == 43));
    let code = format!("code-{}", rand_suffix());
    s.codes.lock().unwrap().insert(
        code.clone(),
        (q.get("nonce").cloned(), q["client_id"].clone()),
    );
    let mode = *s.mode.lock().unwrap();
    let iss = if mode == StubMode::MixUp {
        "https://attacker.example".to_owned()
    } else {
        s.issuer.clone()
    };
    let query = serde_urlencoded::to_string([
        ("code", code.as_str()),
        ("state", q["state"].as_str()),
        ("iss", iss.as_str()),
    ])
    .unwrap();
    HttpResponse::SeeOther()
        .insert_header(("location", format!("{}?{query}", q["redirect_uri"])))
        .finish()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn token(req: HttpRequest, body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
    *s.token_requests.lock().unwrap() += 1;
    let mode = *s.mode.lock().unwrap();
    if mode == StubMode::TokenDown {
        return HttpResponse::ServiceUnavailable().finish();
    }
    assert!(
        req.headers()
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap().starts_with("Basic ")),
        "client_secret_basic"
    );
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap();
    assert!(form.get("code_verifier").is_some_and(|v| v.len() == 43));
    let Some((nonce, client_id)) = s.codes.lock().unwrap().remove(&form["code"]) else {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant"}));
    };
    let nonce = match mode {
        StubMode::WrongNonce => Some("not-the-nonce".to_owned()),
        _ => nonce,
    };
    let t = now();
    let claims = json!({
        "iss": s.issuer, "sub": *s.subject.lock().unwrap(), "aud": client_id,
        "exp": t + 300, "iat": t, "nonce": nonce,
        "email": *s.email.lock().unwrap(), "email_verified": true, "name": "Stub Person",
    });
    let mut header = JwsHeader::new();
    header.set_key_id("stub-key");
    header.set_token_type("JWT");
    let signer = ES256.signer_from_jwk(&s.private).unwrap();
    let mut id_token =
        josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap();
    if mode == StubMode::TamperedToken {
        // Another subject in the payload, the signature left as it was.
        let parts: Vec<&str> = id_token.split('.').collect();
        let mut forged = claims.clone();
        forged["sub"] = json!("someone-else");
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
        id_token = format!("{}.{payload}.{}", parts[0], parts[2]);
    }
    HttpResponse::Ok().json(json!({
        "access_token": "stub-access-token", "token_type": "Bearer", "expires_in": 300,
        "id_token": id_token,
    }))
}

async fn github_token(body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
    *s.token_requests.lock().unwrap() += 1;
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap();
    if s.codes.lock().unwrap().remove(&form["code"]).is_none() {
        // GitHub answers 200 with an error body.
        return HttpResponse::Ok().json(json!({"error": "bad_verification_code"}));
    }
    HttpResponse::Ok().json(json!({
        "access_token": "gho_stub", "token_type": "bearer", "scope": "read:user,user:email",
    }))
}

fn bearer_ok(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .is_some_and(|v| v.to_str().unwrap() == "Bearer gho_stub")
}

async fn github_user(req: HttpRequest) -> HttpResponse {
    if !bearer_ok(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(json!({"id": 583231, "login": "octocat", "name": "The Octocat"}))
}

async fn github_emails(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    if !bearer_ok(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(json!([
        {"email": "octo.secondary@example.com", "primary": false, "verified": true},
        {"email": *s.email.lock().unwrap(), "primary": true, "verified": true},
    ]))
}
