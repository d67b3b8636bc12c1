//! Token exchange (RFC 8693) through real HTTP on both databases: a service trades a user's
//! access token (from a code flow) for one meant for a registered resource, alone
//! (impersonation) or with its own token as actor (delegation, `act`), again down a chain
//! (nested `act`); never wider than the subject, only for audiences its policy names, never
//! from a revoked token, never for a client without the grant.

use crate::support::browser::Browser;
use crate::support::{Creds, TestApp};
use base64::Engine;
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_domain::{Resource, ResourceIdentifier, ScopeSet, UnixTime};
use tessera_server::wiring::Core;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT: &str = "urn:ietf:params:oauth:token-type:access_token";
const API: &str = "https://api.example.com/";
const MAIL: &str = "https://mail.example.com/";
const BILLING: &str = "https://billing.example.com/";

/// Registers a protected resource the way `tessera resource create` stores it.
async fn register_resource(app: &TestApp, id: &str, scope: &str) {
    let core = Core::open(&app.config).await.expect("core");
    core.db
        .resources()
        .insert(&Resource {
            clients: Vec::new(),
            identifier: ResourceIdentifier::parse(id).unwrap(),
            name: id.into(),
            scope: ScopeSet::parse(scope).unwrap(),
            created_at: UnixTime::from_secs(0),
        })
        .await
        .expect("resource registered");
}

/// A confidential service client allowed to exchange for `audiences`.
async fn exchanger(app: &TestApp, audiences: &[&str]) -> Creds {
    app.register(NewClient {
        name: "gateway".into(),
        grants: vec![GRANT.into(), "client_credentials".into()],
        scope: "read".into(),
        exchange_audiences: audiences.iter().map(|a| (*a).to_owned()).collect(),
        ..NewClient::default()
    })
    .await
}

/// A user's tokens from a code flow of a web client that skips consent.
async fn user_tokens(app: &TestApp, web: &Creds) -> (Value, String) {
    let url = format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", web.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "openid read write mail.read"),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .unwrap()
    );
    let mut browser = Browser::new();
    let page = browser.get(&url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let page = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let code = page.redirect_params()["code"].clone();
    let res = app
        .post_form(
            "/token",
            Some(web),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    (res.json().await.unwrap(), code)
}

async fn setup(db: TestDatabase) -> (TestApp, Creds, Value, String) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    register_resource(&app, API, "read write").await;
    register_resource(&app, MAIL, "mail.read").await;
    register_resource(&app, BILLING, "read").await;
    let web = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid read write mail.read".into(),
            skip_consent: true,
            ..NewClient::default()
        })
        .await;
    let (tokens, code) = user_tokens(&app, &web).await;
    (app, web, tokens, code)
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWS");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

async fn exchange(app: &TestApp, client: &Creds, params: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("grant_type", GRANT)];
    form.extend_from_slice(params);
    app.post_form("/token", Some(client), &form).await
}

async fn error_of(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}

async fn impersonation_delegation_and_chains(db: TestDatabase) {
    let (app, _web, tokens, _) = setup(db).await;
    let subject = tokens["access_token"].as_str().unwrap().to_owned();
    let gateway = exchanger(&app, &[API, MAIL]).await;

    // Impersonation: a token for the API about the user, no act, no refresh token.
    let res = exchange(
        &app,
        &gateway,
        &[
            ("subject_token", &subject),
            ("subject_token_type", AT),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["issued_token_type"], AT);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    assert!(body.get("refresh_token").is_none());
    let c = claims(body["access_token"].as_str().unwrap());
    let s = claims(&subject);
    assert_eq!(c["sub"], s["sub"]);
    assert_eq!(c["aud"], API);
    assert_eq!(c["client_id"], gateway.id.as_str());
    assert_eq!(c["gid"], s["gid"]);
    assert!(c.get("act").is_none());
    assert!(c["exp"].as_i64().unwrap() <= s["exp"].as_i64().unwrap());
    let seen = app
        .introspect(&gateway, body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(seen["active"], true, "{seen}");

    // Delegation: the gateway's own token as actor; `audience` works like `resource`.
    let actor = app.token(&gateway, None).await;
    let res = exchange(
        &app,
        &gateway,
        &[
            ("subject_token", &subject),
            ("subject_token_type", AT),
            ("actor_token", &actor),
            ("actor_token_type", AT),
            ("audience", MAIL),
            ("scope", "mail.read"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let delegated = body["access_token"].as_str().unwrap().to_owned();
    let c = claims(&delegated);
    assert_eq!(c["aud"], MAIL);
    assert_eq!(c["scope"], "mail.read");
    assert_eq!(
        c["act"],
        json!({"sub": gateway.id, "client_id": gateway.id})
    );

    // A chain: a second service exchanges the delegated token with its own actor token.
    let second = exchanger(&app, &[MAIL]).await;
    let second_actor = app.token(&second, None).await;
    let res = exchange(
        &app,
        &second,
        &[
            ("subject_token", &delegated),
            ("subject_token_type", AT),
            ("actor_token", &second_actor),
            ("actor_token_type", AT),
            ("resource", MAIL),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], s["sub"]);
    assert_eq!(
        c["act"],
        json!({"sub": second.id, "client_id": second.id,
               "act": {"sub": gateway.id, "client_id": gateway.id}})
    );

    // Every exchange is in the audit trail with its subject (written in the background).
    let core = Core::open(&app.config).await.unwrap();
    let filter = tessera_application::ports::AuditFilter {
        action: Some(tessera_domain::AuditAction::TokenExchanged),
        subject: s["sub"].as_str().map(str::to_owned),
        ..Default::default()
    };
    let mut events = Vec::new();
    for _ in 0..50 {
        events = core.db.audit().list(&filter, None, 10).await.unwrap();
        if events.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events
        .iter()
        .any(|e| e.event.actor.as_deref() == Some(second.id.as_str())));
    app.stop().await;
}
both_backends!(exchange_flows, impersonation_delegation_and_chains);

async fn refusals(db: TestDatabase) {
    let (app, web, tokens, code) = setup(db).await;
    let subject = tokens["access_token"].as_str().unwrap().to_owned();
    let gateway = exchanger(&app, &[API]).await;
    let base = [
        ("subject_token", subject.as_str()),
        ("subject_token_type", AT),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };

    // Wider than the subject token.
    let r = exchange(
        &app,
        &gateway,
        &with(&[("resource", API), ("scope", "read admin")]),
    )
    .await;
    assert_eq!(error_of(r).await, "invalid_scope");
    // An audience the policy does not name, registered or not.
    let r = exchange(&app, &gateway, &with(&[("resource", BILLING)])).await;
    assert_eq!(error_of(r).await, "invalid_target");
    let r = exchange(
        &app,
        &gateway,
        &with(&[("audience", "https://nowhere.example/")]),
    )
    .await;
    assert_eq!(error_of(r).await, "invalid_target");
    // Another token type, or an actor token without its type.
    let r = exchange(
        &app,
        &gateway,
        &[
            ("subject_token", &subject),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:id_token",
            ),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(error_of(r).await, "invalid_request");
    let r = exchange(
        &app,
        &gateway,
        &with(&[("resource", API), ("actor_token", "x")]),
    )
    .await;
    assert_eq!(error_of(r).await, "invalid_request");
    // A client without the grant.
    let plain = app.service_client("client_secret_basic").await;
    let r = exchange(&app, &plain, &with(&[("resource", API)])).await;
    assert_eq!(error_of(r).await, "unauthorized_client");

    // An exchanged token dies with the subject's grant: reusing the code revokes the grant.
    let r = exchange(&app, &gateway, &with(&[("resource", API)])).await;
    assert_eq!(r.status(), 200);
    let exchanged: Value = r.json().await.unwrap();
    let exchanged = exchanged["access_token"].as_str().unwrap().to_owned();
    let reuse = app
        .post_form(
            "/token",
            Some(&web),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(reuse.status(), 400);
    assert_eq!(app.introspect(&gateway, &exchanged).await["active"], false);

    // A revoked subject token is refused.
    let (tokens, _) = user_tokens(&app, &web).await;
    let fresh = tokens["access_token"].as_str().unwrap().to_owned();
    let revoked = app
        .post_form("/revoke", Some(&web), &[("token", &fresh)])
        .await;
    assert_eq!(revoked.status(), 200);
    let r = exchange(
        &app,
        &gateway,
        &[
            ("subject_token", &fresh),
            ("subject_token_type", AT),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(error_of(r).await, "invalid_request");
    app.stop().await;
}
both_backends!(exchange_refusals, refusals);
