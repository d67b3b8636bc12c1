//! The admin API over real HTTP on both backends: every operation with an authorised caller
//! (the configured `admin_token`, or an API key with the `admin` scope) and refused without
//! one; the effects that matter (a disabled user's tokens die, an unlocked user signs in, a
//! forced reset kills the password and mails a link, a rotated client secret replaces the
//! old one at once); and the audit trail, which names the actor and never holds a secret.

use crate::support;

use crate::support::{test_config, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tessera_application::ports::AuditFilter;
use tessera_application::services::ApiKeys;
use tessera_domain::{ClientId, Consent, ScopeSet, UnixTime, UserId};
use tessera_server::config::Budget;
use tessera_server::wiring::Core;
use tessera_tests::{both_backends, TestDatabase};

const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";
const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// A server with `admin_token` set (or not).
async fn spawn(db: TestDatabase, with_token: bool) -> TestApp {
    spawn_with_burst(db, with_token, 60).await
}

/// The same, with `burst` failed attempts allowed per address before `429`.
async fn spawn_with_burst(db: TestDatabase, with_token: bool, burst: u32) -> TestApp {
    let mut config = test_config(db.url());
    config.admin.token = with_token.then(|| SecretString::from(ADMIN_TOKEN.to_owned()));
    config.accounts.lockout.threshold = 3;
    config.rate_limit.admin_auth_failures = Budget::new(burst, 3600);
    TestApp::spawn_with(db, config).await
}

/// An API key with `scopes`, made through the application service.
async fn api_key(app: &TestApp, scopes: &str) -> (String, String) {
    let core = Core::open(&app.config).await.expect("core");
    let keys = ApiKeys::new(core.db.api_keys(), core.clock.clone(), core.rng.clone());
    let (key, full) = keys.create("e2e", scopes, None).await.expect("api key");
    (
        key.prefix.as_str().to_owned(),
        full.expose_secret().to_owned(),
    )
}

/// One admin call with `bearer` (none: no Authorization header); returns status, the
/// `WWW-Authenticate` header and the body (JSON or null).
async fn call(
    app: &TestApp,
    bearer: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = app.http.request(method, app.url(path));
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, challenge, body)
}

/// An admin call with the admin token.
async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, _, b) = call(app, Some(ADMIN_TOKEN), method, path, body).await;
    (s, b)
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/users/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login sent")
}

async fn refresh(app: &TestApp, rt: &str) -> StatusCode {
    app.post_form(
        "/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "tessera-account"),
            ("refresh_token", rt),
        ],
    )
    .await
    .status()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let (s, body) = admin(
        app,
        Method::GET,
        &format!("/admin/users?email={email}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["users"][0]["id"].as_str().expect("a user").to_owned()
}

/// Waits until the audit log holds an event with `detail`; returns the whole listing.
async fn audit_with(app: &TestApp, detail: &str) -> (String, Value) {
    for _ in 0..100 {
        let res = app
            .http
            .get(app.url("/admin/audit?limit=500"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("audit");
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        if body["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"].as_str() == Some(detail))
        {
            return (text, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no audit event {detail}");
}

async fn refusals_without_admin_credentials(db: TestDatabase) {
    // Every refusal spends rate-limit budget: allow all of this test's.
    let app = spawn_with_burst(db, true, 1_000).await;
    let (_, weak) = api_key(&app, "read").await;
    let (revoked_id, revoked) = api_key(&app, "admin").await;
    let (s, _) = admin(
        &app,
        Method::DELETE,
        &format!("/admin/api-keys/{revoked_id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let operations: &[(Method, &str, Option<Value>)] = &[
        (Method::GET, "/admin/clients", None),
        (Method::POST, "/admin/clients", Some(json!({"name": "x"}))),
        (Method::GET, "/admin/clients/abc", None),
        (
            Method::PATCH,
            "/admin/clients/abc",
            Some(json!({"name": "y"})),
        ),
        (Method::DELETE, "/admin/clients/abc", None),
        (Method::POST, "/admin/clients/abc/secret", None),
        (Method::GET, "/admin/users", None),
        (Method::GET, "/admin/users/abc", None),
        (Method::DELETE, "/admin/users/abc", None),
        (Method::POST, "/admin/users/abc/disable", None),
        (Method::POST, "/admin/users/abc/enable", None),
        (Method::POST, "/admin/users/abc/unlock", None),
        (Method::POST, "/admin/users/abc/password-reset", None),
        (Method::GET, "/admin/users/abc/consents", None),
        (Method::DELETE, "/admin/users/abc/consents/web", None),
        (Method::DELETE, "/admin/users/abc/sessions", None),
        (Method::GET, "/admin/keys", None),
        (Method::POST, "/admin/keys/rotate", None),
        (Method::GET, "/admin/api-keys", None),
        (
            Method::POST,
            "/admin/api-keys",
            Some(json!({"name": "k", "scopes": "admin"})),
        ),
        (Method::DELETE, "/admin/api-keys/abcdefgh", None),
        (Method::GET, "/admin/audit", None),
    ];
    let wrong = format!("{ADMIN_TOKEN}x");
    for (method, path, body) in operations {
        for (bearer, status) in [
            (None, StatusCode::UNAUTHORIZED),
            (Some(wrong.as_str()), StatusCode::UNAUTHORIZED),
            (Some(revoked.as_str()), StatusCode::UNAUTHORIZED),
            (Some(weak.as_str()), StatusCode::FORBIDDEN),
        ] {
            let (s, challenge, b) = call(&app, bearer, method.clone(), path, body.clone()).await;
            assert_eq!(s, status, "{method} {path} with {bearer:?}: {b}");
            let challenge = challenge.expect("a WWW-Authenticate challenge");
            assert!(challenge.contains("realm=\"tessera-admin\""), "{challenge}");
            if status == StatusCode::FORBIDDEN {
                assert_eq!(b["error"], "insufficient_scope");
            }
            assert!(b["error_description"].is_string(), "{b}");
        }
    }
    // The refusals are audited, with the address and no credential.
    let (text, _) = audit_with(&app, "admin.auth invalid credentials").await;
    assert!(!text.contains(&wrong) && !text.contains(&weak) && !text.contains(&revoked));
    audit_with(&app, "admin.auth missing credentials").await;
    audit_with(&app, "admin.auth api key without admin scope").await;
    // Nothing was done.
    let (s, body) = admin(&app, Method::GET, "/admin/clients", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body["clients"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "x"));
    app.stop().await;
}
both_backends!(admin_refusals, refusals_without_admin_credentials);

async fn without_admin_token_only_admin_api_keys_get_in(db: TestDatabase) {
    let app = spawn(db, false).await;
    let (s, challenge, _) =
        call(&app, Some(ADMIN_TOKEN), Method::GET, "/admin/clients", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(challenge.is_some());
    let (s, _, _) = call(&app, Some(""), Method::GET, "/admin/clients", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Guessing runs into the rate limit...
    let mut limited = false;
    for _ in 0..100 {
        let (s, _, _) = call(&app, Some("guess"), Method::GET, "/admin/clients", None).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "failed admin authentication is rate limited");
    // The budget is checked before the credential: this address now waits even with a valid
    // key, and that refusal is audited too.
    let (_, key) = api_key(&app, "admin").await;
    let (s, _, body) = call(&app, Some(&key), Method::GET, "/admin/clients", None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let core = Core::open(&app.config).await.expect("core");
    let mut audited = false;
    for _ in 0..100 {
        let events = core
            .db
            .audit()
            .list(&AuditFilter::default(), None, 500)
            .await
            .unwrap();
        audited = events.iter().any(|e| {
            e.event.detail.as_deref()
                == Some("admin.auth refused: too many failed attempts from this address")
        });
        if audited {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(audited, "the 429 refusal is in the audit log");
    app.stop().await;
}
both_backends!(
    as_27_admin_off_without_token_and_rate_limited,
    without_admin_token_only_admin_api_keys_get_in
);

async fn clients_are_managed_and_secrets_rotated(db: TestDatabase) {
    let app = spawn(db, true).await;
    let (s, created) = admin(
        &app,
        Method::POST,
        "/admin/clients",
        Some(json!({
            "name": "Service",
            "grant_types": ["client_credentials"],
            "scope": "read write",
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["client_id"].as_str().unwrap().to_owned();
    let old = created["client_secret"].as_str().unwrap().to_owned();
    let creds = support::Creds {
        id: id.clone(),
        secret: old.clone(),
    };
    app.token(&creds, None).await;

    let (s, list) = admin(&app, Method::GET, "/admin/clients", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(list["clients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == id.as_str()));
    assert!(!list.to_string().contains(&old), "no secret in listings");
    let (s, one) = admin(&app, Method::GET, &format!("/admin/clients/{id}"), None).await;
    assert_eq!((s, one["name"].as_str()), (StatusCode::OK, Some("Service")));

    // Update: the same rules as creation, the field named on refusal.
    let path = format!("/admin/clients/{id}");
    let (s, body) = admin(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"grant_types": ["authorization_code"]})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uris"),
        "{body}"
    );
    let (s, body) = admin(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"redirect_uris": ["http://evil.example/cb"]})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uris"),
        "{body}"
    );
    // Issue 11: wildcards and userinfo are refused here too, for both kinds of URI.
    for update in [
        json!({"redirect_uris": ["https://*.rp.test/cb"]}),
        json!({"redirect_uris": ["https://rp.test/cb*"]}),
        json!({"redirect_uris": ["http://127.0.0.1:1@evil.example/cb"]}),
        json!({"post_logout_redirect_uris": ["https://*.rp.test/bye"]}),
    ] {
        let (s, body) = admin(&app, Method::PATCH, &path, Some(update.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{update}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("redirect_uris"),
            "{body}"
        );
    }
    let (s, body) = admin(
        &app,
        Method::POST,
        "/admin/clients",
        Some(json!({"name": "Wild", "public": true, "redirect_uris": ["https://*.rp.test/cb"]})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, body) = admin(&app, Method::PATCH, &path, Some(json!({"scope": 7}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, body) = admin(
        &app,
        Method::PATCH,
        &path,
        Some(json!({
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "redirect_uris": ["https://app.example.com/cb"],
            "scope": "openid read",
            "trusted": true,
        })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["skip_consent"], true);
    assert_eq!(body["scope"], "openid read");
    assert_eq!(body["redirect_uris"], json!(["https://app.example.com/cb"]));

    // Rotation: the old secret stops at once, the new one works.
    let (s, rotated) = admin(
        &app,
        Method::POST,
        &format!("/admin/clients/{id}/secret"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let new = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let res = app
        .post_form(
            "/token",
            Some(&creds),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.token(
        &support::Creds {
            id: id.clone(),
            secret: new.clone(),
        },
        Some("read"),
    )
    .await;

    // A public client has no secret to rotate.
    let (s, public) = admin(
        &app,
        Method::POST,
        "/admin/clients",
        Some(
            json!({"name": "SPA", "public": true, "redirect_uris": ["https://spa.example.com/cb"]}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(public.get("client_secret").is_none());
    let pid = public["client_id"].as_str().unwrap();
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/clients/{pid}/secret"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Bad input and unknown ids.
    let (s, body) = admin(
        &app,
        Method::POST,
        "/admin/clients",
        Some(json!({"name": "x", "grant_types": ["password"]})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("grant_types"),
        "{body}"
    );
    let (s, _) = admin(
        &app,
        Method::POST,
        "/admin/clients",
        Some(json!({"nme": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for (m, p) in [
        (Method::GET, "/admin/clients/nope"),
        (Method::DELETE, "/admin/clients/nope"),
        (Method::POST, "/admin/clients/nope/secret"),
        (Method::GET, "/admin/clients/%20bad%20"),
    ] {
        let (s, body) = admin(&app, m.clone(), p, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {p}");
        assert_eq!(body["error"], "not_found");
    }
    let (s, _) = admin(
        &app,
        Method::PATCH,
        "/admin/clients/nope",
        Some(json!({"name": "n"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _) = admin(&app, Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = admin(&app, Method::GET, &path, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The audit trail names the actor and holds no secret.
    let (text, body) = audit_with(&app, "clients.delete").await;
    for detail in [
        "clients.create",
        "clients.update",
        "clients.rotate_secret",
        "clients.delete",
    ] {
        let e = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["detail"] == detail)
            .unwrap_or_else(|| panic!("{detail} in {body}"));
        assert_eq!(e["actor"], "admin_token");
        assert_eq!(e["action"], "admin_action");
    }
    assert!(
        !text.contains(&old) && !text.contains(&new),
        "no secret in the audit log"
    );
    let (s, filtered) = admin(
        &app,
        Method::GET,
        &format!("/admin/audit?client_id={id}&actor=admin_token&action=admin_action"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        filtered["events"].as_array().unwrap().len() >= 4,
        "{filtered}"
    );
    let (s, body) = admin(&app, Method::GET, "/admin/audit?action=nope", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("action"));
    app.stop().await;
}
both_backends!(admin_clients, clients_are_managed_and_secrets_rotated);

async fn users_are_listed_disabled_unlocked_reset_and_deleted(db: TestDatabase) {
    let app = spawn(db, true).await;
    app.create_user(EMAIL, PASSWORD, Some("Alice")).await;
    app.create_user("bob@example.com", PASSWORD, None).await;
    app.create_user("carol@example.org", PASSWORD, None).await;

    // Listing: search, keyset paging, limits.
    let (s, body) = admin(&app, Method::GET, "/admin/users?email=EXAMPLE.COM", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["users"].as_array().unwrap().len(), 2, "{body}");
    assert!(!body.to_string().contains("argon2"), "no password hash");
    let (_, first) = admin(&app, Method::GET, "/admin/users?limit=2", None).await;
    assert_eq!(first["users"].as_array().unwrap().len(), 2);
    let after = first["next"].as_str().expect("a next page").to_owned();
    let (_, second) = admin(
        &app,
        Method::GET,
        &format!("/admin/users?limit=2&after={after}"),
        None,
    )
    .await;
    assert_eq!(second["users"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null());
    for bad in ["limit=0", "limit=201", "limit=x", "limit=-1"] {
        let (s, body) = admin(&app, Method::GET, &format!("/admin/users?{bad}"), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("limit"));
    }

    let id = user_id(&app, "alice").await;
    let (s, one) = admin(&app, Method::GET, &format!("/admin/users/{id}"), None).await;
    assert_eq!((s, one["email"].as_str()), (StatusCode::OK, Some(EMAIL)));

    // Disable: the refresh token dies and sign-in fails; enable brings sign-in back.
    let tokens: Value = login(&app, EMAIL, PASSWORD).await.json().await.unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/users/{id}/disable"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(refresh(&app, &rt).await, StatusCode::BAD_REQUEST);
    assert_ne!(login(&app, EMAIL, PASSWORD).await.status(), StatusCode::OK);
    let (_, one) = admin(&app, Method::GET, &format!("/admin/users/{id}"), None).await;
    assert_eq!(one["disabled"], true);
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/users/{id}/enable"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Failures from the disabled period may count toward a lock: lift it.
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/users/{id}/unlock"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(login(&app, EMAIL, PASSWORD).await.status(), StatusCode::OK);

    // Lockout, then unlock.
    for _ in 0..3 {
        assert_ne!(
            login(&app, EMAIL, "wrong password here").await.status(),
            StatusCode::OK
        );
    }
    assert_ne!(
        login(&app, EMAIL, PASSWORD).await.status(),
        StatusCode::OK,
        "locked"
    );
    let (_, one) = admin(&app, Method::GET, &format!("/admin/users/{id}"), None).await;
    assert!(one["locked_until"].is_i64(), "{one}");
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/users/{id}/unlock"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let signed_in = login(&app, EMAIL, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let rt = signed_in.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Consents: listed, and withdrawn with the client's tokens.
    let core = Core::open(&app.config).await.unwrap();
    core.db
        .consents()
        .upsert(&Consent {
            resources: Vec::new(),
            user_id: UserId::parse(&id).unwrap(),
            client_id: ClientId::parse("tessera-account").unwrap(),
            scope: ScopeSet::parse("openid").unwrap(),
            granted_at: UnixTime::from_secs(1),
        })
        .await
        .unwrap();
    let (s, body) = admin(
        &app,
        Method::GET,
        &format!("/admin/users/{id}/consents"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["consents"][0]["client_id"], "tessera-account");
    let consent = format!("/admin/users/{id}/consents/tessera-account");
    let (s, _) = admin(&app, Method::DELETE, &consent, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        refresh(&app, &rt).await,
        StatusCode::BAD_REQUEST,
        "the client's tokens died"
    );
    let (s, _) = admin(&app, Method::DELETE, &consent, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Sessions: all of them end.
    let rt = login(&app, EMAIL, PASSWORD)
        .await
        .json::<Value>()
        .await
        .unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, body) = admin(
        &app,
        Method::DELETE,
        &format!("/admin/users/{id}/sessions"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body["grants"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(refresh(&app, &rt).await, StatusCode::BAD_REQUEST);

    // Forced reset: the old password fails (cleanly), a link is mailed.
    let (s, _) = admin(
        &app,
        Method::POST,
        &format!("/admin/users/{id}/password-reset"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        login(&app, EMAIL, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mail = app.mail_to(EMAIL, 1).await;
    assert!(mail[0].body.contains("password"), "{:?}", mail[0]);

    // Unknown and malformed ids.
    for p in [
        "/admin/users/00000000-0000-4000-8000-00000000ffff".to_owned(),
        "/admin/users/not-an-id/disable".to_owned(),
        "/admin/users/not-an-id/consents".to_owned(),
    ] {
        let method = if p.ends_with("disable") {
            Method::POST
        } else {
            Method::GET
        };
        let (s, body) = admin(&app, method, &p, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(body["error"], "not_found");
    }

    // Delete.
    let (s, _) = admin(&app, Method::DELETE, &format!("/admin/users/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = admin(&app, Method::GET, &format!("/admin/users/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin(&app, Method::DELETE, &format!("/admin/users/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, body) = audit_with(&app, "users.delete").await;
    for detail in [
        "users.disable",
        "users.enable",
        "users.unlock",
        "users.password_reset",
        "users.sessions.revoke",
        "users.delete",
        "users.consents.revoke",
    ] {
        let e = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["detail"] == detail)
            .unwrap_or_else(|| panic!("{detail} in {body}"));
        assert_eq!(e["actor"], "admin_token");
        assert_eq!(e["subject"], id.as_str());
        assert!(e["ip"].is_string());
    }
    app.stop().await;
}
both_backends!(
    asvs_7_4_2_admin_users,
    users_are_listed_disabled_unlocked_reset_and_deleted
);

async fn keys_and_api_keys_are_managed(db: TestDatabase) {
    let app = spawn(db, true).await;
    let (s, body) = admin(&app, Method::GET, "/admin/keys", None).await;
    assert_eq!(s, StatusCode::OK);
    let active = |b: &Value| {
        b["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["state"] == "active")
            .map(|k| k["kid"].as_str().unwrap().to_owned())
    };
    let before = active(&body).expect("an active key");
    // The next key was published at start, less than the JWKS cache lifetime ago.
    let (s, refused) = admin(&app, Method::POST, "/admin/keys/rotate", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"], "rotation_too_soon");
    let why = refused["error_description"].as_str().unwrap();
    assert!(
        why.contains("allowed in ") && why.contains("force"),
        "{why}"
    );
    let (_, body) = admin(&app, Method::GET, "/admin/keys", None).await;
    assert_eq!(active(&body).unwrap(), before, "nothing rotated");
    let (s, rotated) = admin(
        &app,
        Method::POST,
        "/admin/keys/rotate",
        Some(json!({"force": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let (s, rotated_es) = admin(
        &app,
        Method::POST,
        "/admin/keys/rotate",
        Some(json!({"alg": "ES256", "force": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rotated_es}");
    assert_eq!(rotated_es["alg"], "ES256");
    let (_, body) = admin(&app, Method::GET, "/admin/keys", None).await;
    let after = active(&body).unwrap();
    assert_ne!(after, before);
    assert_eq!(after, rotated_es["kid"].as_str().unwrap());
    let (s, body) = admin(
        &app,
        Method::POST,
        "/admin/keys/rotate",
        Some(json!({"alg": "HS256"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["error_description"].as_str().unwrap().contains("alg"));

    // API keys: made here, shown once, usable, revoked.
    let (s, made) = admin(
        &app,
        Method::POST,
        "/admin/api-keys",
        Some(json!({"name": "ops", "scopes": "admin"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let key = made["key"].as_str().unwrap().to_owned();
    let key_id = made["id"].as_str().unwrap().to_owned();
    let (s, _, _) = call(&app, Some(&key), Method::GET, "/admin/keys", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, listed) = admin(&app, Method::GET, "/admin/api-keys", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(listed.to_string().contains(&key_id) && !listed.to_string().contains(&key));
    let (s, body) = admin(
        &app,
        Method::POST,
        "/admin/api-keys",
        Some(json!({"name": "", "scopes": "admin"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["error_description"].as_str().unwrap().contains("name"));
    // The key acts, and the audit log names it.
    let (s, _, _) = call(
        &app,
        Some(&key),
        Method::POST,
        "/admin/keys/rotate",
        Some(json!({"force": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = admin(
        &app,
        Method::DELETE,
        &format!("/admin/api-keys/{key_id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = call(&app, Some(&key), Method::GET, "/admin/keys", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = admin(
        &app,
        Method::DELETE,
        &format!("/admin/api-keys/{key_id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (text, body) = audit_with(&app, "api_keys.revoke").await;
    assert!(!text.contains(&key), "no API key in the audit log");
    let events = body["events"].as_array().unwrap();
    let by_key = format!("api_key:{key_id}");
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "key_rotated" && e["actor"] == by_key.as_str()),
        "{body}"
    );
    assert!(events.iter().any(|e| e["action"] == "api_key_created"));
    // Paging back through the log.
    let (s, page) = admin(&app, Method::GET, "/admin/audit?limit=1", None).await;
    assert_eq!(s, StatusCode::OK);
    let before = page["next_before"].as_i64().expect("more events");
    let (s, older) = admin(
        &app,
        Method::GET,
        &format!("/admin/audit?limit=1&before={before}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(older["events"][0]["id"].as_i64().unwrap() < before);
    app.stop().await;
}
both_backends!(admin_keys, keys_and_api_keys_are_managed);
