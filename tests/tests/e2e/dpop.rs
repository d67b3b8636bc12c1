//! DPoP (RFC 9449) over real HTTP, on both backends: a third-party client (oauth4webapi's
//! `DPoP()` handle) redeems a code, reads /userinfo and refreshes with proofs, retrying on
//! `use_dpop_nonce`; the refusals are built here with josekit, one broken rule at a time.

use crate::support;

use crate::support::node::run_node_script;
use crate::support::{Creds, TestApp};
use josekit::jwk::alg::ec::EcKeyPair;
use josekit::jws::{JwsHeader, ES256, HS256};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};
use tessera_application::services::NewClient;
use tessera_domain::{access_token_hash, jwk_thumbprint};
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A client's DPoP key pair.
struct Key(EcKeyPair);

/// What one proof says; each field can be broken on its own.
struct Proof<'a> {
    htm: &'a str,
    htu: String,
    iat: i64,
    jti: String,
    ath: Option<String>,
}

impl Key {
    fn new() -> Self {
        Self(ES256.generate_key_pair().unwrap())
    }

    fn public_jwk(&self) -> Value {
        Value::Object(self.0.to_jwk_public_key().as_ref().clone())
    }

    fn thumbprint(&self) -> String {
        jwk_thumbprint(self.public_jwk().as_object().unwrap()).unwrap()
    }

    /// A proof signed by this key with `jwk` in the header.
    fn sign_with_jwk(&self, p: &Proof<'_>, jwk: Value) -> String {
        let mut header = JwsHeader::new();
        header.set_token_type("dpop+jwt");
        header.set_claim("jwk", Some(jwk)).unwrap();
        let mut claims = json!({"htm": p.htm, "htu": p.htu, "iat": p.iat, "jti": p.jti});
        if let Some(ath) = &p.ath {
            claims["ath"] = json!(ath);
        }
        let signer = ES256.signer_from_jwk(&self.0.to_jwk_private_key()).unwrap();
        josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
    }

    fn sign(&self, p: &Proof<'_>) -> String {
        self.sign_with_jwk(p, self.public_jwk())
    }

    /// A fresh, well-formed proof for `htm` `url`.
    fn proof(&self, htm: &str, url: &str, token: Option<&str>) -> String {
        self.sign(&Proof {
            htm,
            htu: url.to_owned(),
            iat: now(),
            jti: fresh_jti(),
            ath: token.map(access_token_hash),
        })
    }
}

fn fresh_jti() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("jti-{}-{}", now(), N.fetch_add(1, Ordering::Relaxed))
}

/// POSTs `form` to /token with Basic credentials (when `basic`) and the `DPoP` header.
async fn token_request(
    app: &TestApp,
    basic: Option<&Creds>,
    form: &[(&str, &str)],
    proof: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.http.post(app.url("/token")).form(form);
    if let Some(c) = basic {
        req = req.basic_auth(&c.id, Some(&c.secret));
    }
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

/// GETs /userinfo with `authorization` and the `DPoP` header.
async fn userinfo(app: &TestApp, authorization: &str, proof: Option<&str>) -> (u16, String, Value) {
    let mut req = app
        .http
        .get(app.url("/userinfo"))
        .header("Authorization", authorization);
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge, res.json().await.unwrap_or(Value::Null))
}

/// A server (`nonce`: DPoP nonces demanded), a user, and a public client of the code flow that
/// may refresh.
async fn setup(db: TestDatabase, nonce: bool) -> (TestApp, Creds) {
    let mut config = support::test_config(db.url());
    config.hardening.dpop_nonce = nonce;
    config.rate_limit.enabled = false;
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let client = app
        .register(NewClient {
            name: "Native".into(),
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid offline_access".into(),
            public: true,
            skip_consent: true,
            ..NewClient::default()
        })
        .await;
    (app, client)
}

/// Signs in and returns the redirect back to the client (code, state, iss).
async fn callback(app: &TestApp, client: &Creds) -> String {
    let page = support::sign_in_for_code(app, client, REDIRECT, CHALLENGE, (EMAIL, PASSWORD)).await;
    assert_eq!(page.status, 303, "signed in: {}", page.body);
    page.location().unwrap()
}

fn code_of(callback: &str) -> String {
    let query = callback.split_once('?').unwrap().1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
}

async fn third_party_client_binds_its_tokens_through_nonces(db: TestDatabase) {
    let (app, client) = setup(db, true).await;
    let callback = callback(&app, &client).await;
    let issuer = app.url("");
    let report = run_node_script(
        "dpop.mjs",
        &[
            ("ISSUER", issuer.as_str()),
            ("CLIENT_ID", client.id.as_str()),
            ("CALLBACK", callback.as_str()),
            ("STATE", "st"),
            ("REDIRECT_URI", REDIRECT),
            ("CODE_VERIFIER", VERIFIER),
        ],
    )
    .await;
    assert_eq!(report["token_type"], "dpop", "{report}");
    assert_eq!(report["refreshed_token_type"], "dpop", "{report}");
    assert_eq!(report["userinfo_sub"], report["sub"], "{report}");
    assert_eq!(report["refreshed_userinfo_sub"], report["sub"], "{report}");
    // The first proof had no nonce: the server asked for one and the client retried.
    assert!(report["nonce_retries"].as_u64().unwrap() >= 1, "{report}");
    // The bound token is refused as a bearer token, with a DPoP challenge.
    let at = report["refreshed_access_token"].as_str().unwrap();
    let (status, challenge, body) = userinfo(&app, &format!("Bearer {at}"), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains("algs=\"ES256 PS256 RS256 EdDSA\""),
        "{challenge}"
    );
    // A proof without the nonce, from the right key or not, gets use_dpop_nonce + DPoP-Nonce.
    let rt = report["refresh_token"].as_str().unwrap();
    let key = Key::new();
    let proof = key.proof("POST", &app.url("/token"), None);
    let (status, headers, body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", client.id.as_str()),
        ],
        Some(&proof),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "use_dpop_nonce");
    assert!(headers.get("dpop-nonce").is_some());
    app.stop().await;
}

both_backends!(
    third_party_client_with_nonces,
    third_party_client_binds_its_tokens_through_nonces
);

async fn the_token_endpoint_refuses_broken_proofs(db: TestDatabase) {
    let (app, _) = setup(db, false).await;
    let svc = app.service_client("client_secret_basic").await;
    let url = app.url("/token");
    let key = Key::new();
    let form = [("grant_type", "client_credentials")];
    let good = Proof {
        htm: "POST",
        htu: url.clone(),
        iat: now(),
        jti: fresh_jti(),
        ath: None,
    };
    // A good proof binds the token.
    let proof = key.sign(&good);
    let (status, headers, body) = token_request(&app, Some(&svc), &form, Some(&proof)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    assert!(headers.get("dpop-nonce").is_none(), "nonces are off");
    let at = body["access_token"].as_str().unwrap();
    let introspected = app.introspect(&svc, at).await;
    assert_eq!(introspected["cnf"]["jkt"], key.thumbprint());
    assert_eq!(introspected["token_type"], "DPoP");
    // The same proof again is a replay.
    let (status, _, body) = token_request(&app, Some(&svc), &form, Some(&proof)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof"))
    );
    // One broken rule at a time.
    let broken = [
        (
            "wrong htu",
            Proof {
                htu: app.url("/userinfo"),
                jti: fresh_jti(),
                ..clone(&good)
            },
        ),
        (
            "wrong htm",
            Proof {
                htm: "GET",
                jti: fresh_jti(),
                ..clone(&good)
            },
        ),
        (
            "stale iat",
            Proof {
                iat: now() - 600,
                jti: fresh_jti(),
                ..clone(&good)
            },
        ),
        (
            "future iat",
            Proof {
                iat: now() + 600,
                jti: fresh_jti(),
                ..clone(&good)
            },
        ),
    ];
    for (what, p) in broken {
        let (status, _, body) = token_request(&app, Some(&svc), &form, Some(&key.sign(&p))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_dpop_proof")),
            "{what}: {body}"
        );
    }
    // A private key in the header.
    let private = Value::Object(key.0.to_jwk_private_key().as_ref().clone());
    let p = Proof {
        jti: fresh_jti(),
        ..clone(&good)
    };
    let (status, _, body) = token_request(
        &app,
        Some(&svc),
        &form,
        Some(&key.sign_with_jwk(&p, private)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof")),
        "private jwk"
    );
    // alg none and HS256.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let payload = json!({"htm": "POST", "htu": url, "iat": now(), "jti": fresh_jti()});
    let none = format!(
        "{}.{}.",
        b64(&json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.public_jwk()})),
        b64(&payload)
    );
    let (status, _, body) = token_request(&app, Some(&svc), &form, Some(&none)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof")),
        "alg none"
    );
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header
        .set_claim(
            "jwk",
            Some(json!({"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"})),
        )
        .unwrap();
    let hs = josekit::jws::serialize_compact(
        payload.to_string().as_bytes(),
        &header,
        &HS256
            .signer_from_bytes(b"secretsecretsecretsecretsecretse")
            .unwrap(),
    )
    .unwrap();
    let (status, _, body) = token_request(&app, Some(&svc), &form, Some(&hs)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof")),
        "HS256"
    );
    // Two DPoP headers.
    let res = app
        .http
        .post(app.url("/token"))
        .basic_auth(&svc.id, Some(&svc.secret))
        .form(&form)
        .header("DPoP", key.proof("POST", &url, None))
        .header("DPoP", key.proof("POST", &url, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    // A client registered with require_dpop is refused without a proof, served with one.
    let strict = app
        .register(NewClient {
            name: "strict".into(),
            grants: vec!["client_credentials".into()],
            scope: "read".into(),
            auth_method: Some("client_secret_basic".into()),
            require_dpop: true,
            ..NewClient::default()
        })
        .await;
    let (status, _, body) = token_request(&app, Some(&strict), &form, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof")),
        "{body}"
    );
    let (status, _, body) = token_request(
        &app,
        Some(&strict),
        &form,
        Some(&key.proof("POST", &url, None)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    // Discovery names the algorithms.
    let meta: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["dpop_signing_alg_values_supported"],
        json!(["ES256", "PS256", "RS256", "EdDSA"])
    );
    app.stop().await;
}

fn clone<'a>(p: &Proof<'a>) -> Proof<'a> {
    Proof {
        htm: p.htm,
        htu: p.htu.clone(),
        iat: p.iat,
        jti: p.jti.clone(),
        ath: p.ath.clone(),
    }
}

both_backends!(
    token_endpoint_refusals,
    the_token_endpoint_refuses_broken_proofs
);

async fn userinfo_and_refresh_honour_the_binding(db: TestDatabase) {
    let (app, client) = setup(db, false).await;
    let key = Key::new();
    let token_url = app.url("/token");
    let userinfo_url = app.url("/userinfo");
    let code = code_of(&callback(&app, &client).await);
    let (status, _, tokens) = token_request(
        &app,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", client.id.as_str()),
        ],
        Some(&key.proof("POST", &token_url, None)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "DPoP");
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let dpop = format!("DPoP {at}");
    // The bound token with a proof of its key.
    let (status, _, body) = userinfo(
        &app,
        &dpop,
        Some(&key.proof("GET", &userinfo_url, Some(at))),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // As a bearer token.
    let (status, challenge, body) = userinfo(&app, &format!("Bearer {at}"), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
    assert!(
        challenge.starts_with("DPoP realm=\"tessera\", error=\"invalid_token\""),
        "{challenge}"
    );
    // A proof from another key, without ath, with a wrong ath, without any proof.
    let other = Key::new();
    let refusals = [
        (
            "another key",
            Some(other.proof("GET", &userinfo_url, Some(at))),
        ),
        ("no ath", Some(key.proof("GET", &userinfo_url, None))),
        (
            "wrong ath",
            Some(key.proof("GET", &userinfo_url, Some("another-token"))),
        ),
        ("no proof", None),
    ];
    for (what, proof) in refusals {
        let (status, challenge, body) = userinfo(&app, &dpop, proof.as_deref()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_dpop_proof")),
            "{what}"
        );
        assert!(
            challenge.contains("error=\"invalid_dpop_proof\""),
            "{what}: {challenge}"
        );
    }
    // An unbound token sent with the DPoP scheme.
    let svc = app.service_client("client_secret_basic").await;
    let unbound = app.token(&svc, None).await;
    let (status, _, _) = userinfo(
        &app,
        &format!("DPoP {unbound}"),
        Some(&key.proof("GET", &userinfo_url, Some(&unbound))),
    )
    .await;
    assert_eq!(status, 401);
    // The public client's refresh token is bound too: another key, or none, cannot use it.
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
        ("client_id", client.id.as_str()),
    ];
    let introspected = app.introspect(&svc, rt).await;
    assert_eq!(
        introspected["cnf"]["jkt"],
        key.thumbprint(),
        "{introspected}"
    );
    let (status, _, body) = token_request(
        &app,
        None,
        &refresh,
        Some(&other.proof("POST", &token_url, None)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, _, body) = token_request(&app, None, &refresh, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, _, body) = token_request(
        &app,
        None,
        &refresh,
        Some(&key.proof("POST", &token_url, None)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    app.stop().await;
}

both_backends!(
    userinfo_and_refresh_binding,
    userinfo_and_refresh_honour_the_binding
);
